import json, re, sys
import jsonschema, yaml

class Loader(yaml.SafeLoader):
    pass

# YAML 1.2's core schema, as uabi's parser reads: only true/false are
# booleans (YAML 1.1 also takes yes/no/on/off, which specs use as names).
Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        doc = yaml.load(open(path), Loader=Loader)
    except (OSError, yaml.YAMLError) as e:
        print(f"unloadable {path}: {str(e).splitlines()[0]}")
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path)
        print(f"invalid {path}: at /{where}: {e.message[:200]}")
    else:
        print(f"valid {path}")
