{#- The types and constants of one spec's Go package. The view model
    (go.rs) prepares every name, value and comment line, names padded the
    way gofmt aligns them; this file holds the shape. -#}
{{ banner }}
{% for l in doc %}
{{ l }}
{%- endfor %}
package {{ package }}
{%- if !imports.is_empty() %}

import (
{%- for i in imports %}
	{{ i }}
{%- endfor %}
)
{%- endif %}

// REVISION is the ABI revision of the {{ spec }} spec this package was
// generated from.
const REVISION = {{ revision }}
{%- for item in items %}
{{ "" }}
{%- match item %}
{%- when Item::Const { doc, name, value } %}
{%- for l in doc %}
{{ l }}
{%- endfor %}
const {{ name }} = {{ value }}
{%- when Item::Enum { doc, name, base, values } %}
{%- for l in doc %}
{{ l }}
{%- endfor %}
type {{ name }} {{ base }}

// Values of {{ name }}.
const (
{%- for v in values %}
{%- for l in v.doc %}
{{ l }}
{%- endfor %}
	{{ v.text }}
{%- endfor %}
)
{%- when Item::Struct { doc, name, fields, methods } %}
{%- for l in doc %}
{{ l }}
{%- endfor %}
type {{ name }} struct {
{%- for f in fields %}
{%- for l in f.doc %}
{{ l }}
{%- endfor %}
	{{ f.text }}
{%- endfor %}
}
{%- for m in methods %}
{{ "" }}
{{ m }}
{%- endfor %}
{%- endmatch %}
{%- endfor %}
{%- if let Some(magic) = magic %}

// IOCTL_MAGIC is the _IOC type byte of every ioctl of this spec.
const IOCTL_MAGIC = {{ magic }}

// The _IOC number of each ioctl. The command numbers, which differ between
// targets, are in cmds_<goarch>.go.
const (
{%- for n in nrs %}
	{{ n.text }}
{%- endfor %}
)
{%- endif %}

