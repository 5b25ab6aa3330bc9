{#- The control-message constants of a spec with attribute sets or
    operations, named and numbered as YNL's uapi headers (ynl_gen_c.py
    --mode uapi) name them, so the header is a drop-in for YNL's. The view
    model is NetlinkView in c.rs; every block starts with a blank line.
    Comments come as text whose every line starts with its newline. -#}
{%- if !family.is_empty() %}
{{ "" }}
{%- for d in family %}
#define {{ d.name }} {{ d.value }}
{%- endfor %}
{%- endif %}
{%- for e in enums %}
{{ "" }}
{{- e.doc }}
{{ e.tag }} {
{%- for d in e.entries %}
{{- d.doc }}
	{{ d.name }}{% if !d.value.is_empty() %} = {{ d.value }}{% endif %}{% if !loop.last %},{% endif %}
{%- endfor %}
};
{%- for d in e.after %}
#define {{ d.name }} {{ d.value }}
{%- endfor %}
{%- endfor %}
{%- if !mcast.is_empty() %}
{{ "" }}
{%- for d in mcast %}
#define {{ d.name }} {{ d.value }}
{%- endfor %}
{%- endif %}
