{#- go.mod of one spec's Go package; an included spec's module is
    required and replaced by its generated folder, so nothing is
    downloaded. Laid out as the go command writes it, which leaves it
    alone then. -#}
{{ banner }}

module {{ module }}

go 1.19
{%- for block in requires %}
{{ "" }}
{%- if block.len() == 1 %}
require {{ block[0] }}
{%- else %}
require (
{%- for r in block %}
	{{ r }}
{%- endfor %}
)
{%- endif %}
{%- endfor %}
{%- if replaces.len() == 1 %}

replace {{ replaces[0] }}
{%- elif !replaces.is_empty() %}

replace (
{%- for r in replaces %}
	{{ r }}
{%- endfor %}
)
{%- endif %}

