{#- The types and constants of one spec's Go package. The view model
    (go.rs) prepares every name, value and comment line, names padded the
    way gofmt aligns them; this file holds the shape. Comments and blocks
    of fields or constants come as ready lines, each after a newline, so
    they follow the line before them directly. -#}
{{ banner }}
{{ doc }}
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
{{- doc }}
const {{ name }} = {{ value }}
{%- when Item::Enum { doc, name, base, values } %}
{{- doc }}
type {{ name }} {{ base }}

// Values of {{ name }}.
const (
{{- values }}
)
{%- when Item::Struct { doc, name, fields, methods } %}
{{- doc }}
type {{ name }} struct {
{{- fields }}
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
{{- nrs }}
)
{%- endif %}

