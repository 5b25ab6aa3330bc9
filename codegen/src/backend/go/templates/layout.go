{#- The compile-time layout checks of the structs that lay out alike on
    every GOARCH of the spec: `var _ = [1]struct{}{}[...]` lines, each
    after a newline. -#}
{{ banner }}

package {{ package }}

import "unsafe"

// Every size and member offset of the {{ spec }} structs that lay out alike
// on every GOARCH of the spec, checked by the compiler: each index is 0
// exactly when the value is the spec's, and a compile error (constant
// overflow, or index out of range) names the one that is not. Structs that
// differ between GOARCHes are checked in each cmds_<goarch>.go.
{{- checks }}

