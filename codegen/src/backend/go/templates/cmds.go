{#- The command numbers and compile-time layout checks of one GOARCH.
    The constants and the checks (`var _ = [1]struct{}{}[...]`) come as
    ready lines, each after a newline. -#}
{{ banner }}

//go:build {{ goarch }}

package {{ package }}
{%- if !checks.is_empty() %}

import "unsafe"
{%- endif %}
{%- if !cmds.is_empty() || !missing.is_empty() %}

// Command numbers on {{ goarch }} (the spec's {{ target }} target).
{%- for l in missing %}
{{ l }}
{%- endfor %}
{%- if !cmds.is_empty() %}
const (
{{- cmds }}
)
{%- endif %}
{%- endif %}
{%- if !checks.is_empty() %}

// The size and member offsets on {{ goarch }} of every struct that lays out
// differently on another GOARCH of the spec (layout.go checks the others),
// checked by the compiler: each index is 0 exactly when the value is the
// spec's, and a compile error (constant overflow, or index out of range)
// names the one that is not.
{{- checks }}
{%- endif %}

