{#- The kernel-style uapi header of one spec. The view model (c.rs)
    prepares every name, value and comment line; this file holds the shape.
    Each tag sits on its own line and trims the newline before it, so tag
    lines vanish from the output. Comments (`doc`) and check lines
    (`asserts`) come as text whose every line starts with its newline, so
    they are printed with the newline before them trimmed. -#}
/* SPDX-License-Identifier: {{ license }} */
/*
{%- for l in banner %}
 * {{ l }}
{%- endfor %}
 */
#ifndef {{ guard }}
#define {{ guard }}

#include <linux/types.h>
{%- if let Some(drm) = drm %}
#include {{ drm }}
{%- else %}
#include <linux/ioctl.h>
{%- endif %}
{%- if counted_by %}
#include <linux/stddef.h>
{%- endif %}
{%- for inc in includes %}
#include {{ inc }}
{%- endfor %}
{%- if counted_by %}

/* Older kernels' <linux/stddef.h> lack it; it only informs the compiler. */
#ifndef __counted_by
#define __counted_by(m)
#endif
{%- endif %}

#ifdef __cplusplus
extern "C" {
#endif
{%- if !doc.is_empty() %}
{{ "" }}
{{- doc }}
{%- endif %}
{%- for item in items %}
{{ "" }}
{%- match item %}
{%- when Item::Defines(g) %}
{{- g.doc }}
{%- for d in g.defines %}
{{- d.doc }}
#define {{ d.name }} {{ d.value }}
{%- endfor %}
{%- when Item::Enum(e) %}
{{- e.doc }}
{{ e.tag }} {
{%- for d in e.entries %}
{{- d.doc }}
	{{ d.name }} = {{ d.value }}{% if !loop.last %},{% endif %}
{%- endfor %}
};
{%- when Item::Struct(s) %}
{{- s.doc }}
{{ s.tag }} {
{{- s.members }}
};
{%- endmatch %}
{%- endfor %}
{%- for g in ioctls %}
{{ "" }}
{{- g.doc }}
{%- for d in g.defines %}
{{- d.doc }}
#define {{ d.name }} {{ d.value }}
{%- endfor %}
{%- endfor %}
{{- netlink }}
{{- rings }}
{%- if !checks.is_empty() %}

/*
 * Layout checks: the size and member offsets the spec defines, checked by
 * the compiler. _Static_assert is C11 and static_assert C++11; older
 * dialects get an array typedef whose size is negative when a check fails.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define {{ check }}(cond, name) static_assert(cond, #name)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define {{ check }}(cond, name) _Static_assert(cond, #name)
#else
#define {{ check }}__(cond, name, line) \
	typedef char name##_check_##line[(cond) ? 1 : -1]
#define {{ check }}_(cond, name, line) {{ check }}__(cond, name, line)
#define {{ check }}(cond, name) {{ check }}_(cond, name, __LINE__)
#endif
{%- for g in checks %}
{{ "" }}
{%- for b in g.branches %}
{%- if let Some(cond) = b.cond %}
#{% if loop.first %}if{% else %}elif{% endif %} {{ cond }}
{%- endif %}
{{- b.asserts }}
{%- endfor %}
{%- if g.conditional %}
#endif
{%- endif %}
{%- endfor %}

#undef {{ check }}
#undef {{ check }}_
#undef {{ check }}__
{%- endif %}

#ifdef __cplusplus
}
#endif

#endif /* {{ guard }} */

