{#- The run-time layout checks of one spec's Go package. -#}
{{ banner }}

package {{ package }}

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestLayout checks the size and member offsets of every struct of the
// {{ spec }} spec on the GOARCH the test runs on against the spec.
func TestLayout(t *testing.T) {
	check := func(what string, got, want uintptr) {
		t.Helper()
		if got != want {
			t.Errorf("%s is %d on %s; the spec says %d", what, got, runtime.GOARCH, want)
		}
	}
{%- for b in blocks %}
{%- match b %}
{%- when LayoutBlock::Plain(checks) %}
{%- for c in checks %}
	check({{ c.what }}, {{ c.got }}, {{ c.want }})
{%- endfor %}
{%- when LayoutBlock::Switch { name, cases } %}
	switch runtime.GOARCH {
{%- for case in cases %}
	case {{ case.goarchs }}:
{%- for c in case.checks %}
		check({{ c.what }}, {{ c.got }}, {{ c.want }})
{%- endfor %}
{%- endfor %}
	default:
		t.Errorf("the spec has no layout of {{ name }} for %s", runtime.GOARCH)
	}
{%- endmatch %}
{%- endfor %}
}

