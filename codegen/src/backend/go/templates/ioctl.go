{#- The ioctl calls of one spec's Go package. The view model (go.rs)
    prepares names, types and comment lines (ready lines, each after a
    newline); this file holds the code shapes. -#}
{{ banner }}

package {{ package }}

import (
{%- if runtime %}
	"runtime"
{%- endif %}
	"syscall"
	"unsafe"
{%- if !imports.is_empty() %}
{{ "" }}
{%- for i in imports %}
	{{ i }}
{%- endfor %}
{%- endif %}
)

// ioctl calls ioctl(2), retrying EINTR: the Go runtime preempts goroutines
// with signals, which would otherwise interrupt blocking calls at random.
func ioctl(fd int, cmd uintptr, arg unsafe.Pointer) error {
	for {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), cmd, uintptr(arg))
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		default:
			return errno
		}
	}
}
{%- if byte_len %}

// byteLen is the size in bytes of a slice's elements.
func byteLen[T any](s []T) uint64 {
	var zero T
	return uint64(len(s)) * uint64(unsafe.Sizeof(zero))
}
{%- endif %}
{%- for f in funcs %}
{{ "" }}
{{- f.doc }}
func {{ f.name }}(fd int{{ f.params }}) error {
{%- if f.ptrs.is_empty() %}
	return ioctl(fd, {{ f.cmd }}, {{ f.arg }})
{%- else %}
{%- for p in f.ptrs %}
{%- if !p.single %}
	if {{ p.len_expr }} > {{ p.bound }} {
		return syscall.EOVERFLOW
	}
{%- if p.shared %}
	if uint64(arg.{{ p.count_field }}) != {{ p.len_expr }} {
		return syscall.EINVAL
	}
{%- else %}
	arg.{{ p.count_field }} = {{ p.count_ty }}({{ p.len_expr }})
{%- endif %}
{%- if !p.stride_field.is_empty() %}
	arg.{{ p.stride_field }} = {{ p.stride_ty }}(unsafe.Sizeof({{ p.param }}[0]))
{%- endif %}
{%- endif %}
{%- endfor %}
{%- for p in f.ptrs %}
	arg.{{ p.field }} = 0
{%- if p.single %}
	if {{ p.param }} != nil {
		arg.{{ p.field }} = uint64(uintptr(unsafe.Pointer({{ p.param }})))
	}
{%- else %}
	if len({{ p.param }}) > 0 {
		arg.{{ p.field }} = uint64(uintptr(unsafe.Pointer(&{{ p.param }}[0])))
	}
{%- endif %}
{%- endfor %}
	// The kernel reaches the memory through integer addresses in *arg,
	// which neither the garbage collector nor stack copying sees. So no
	// function is called between taking the addresses and entering the
	// system call (syscall.Syscall itself does not grow the stack, and the
	// runtime does not move a stack during a system call), and KeepAlive
	// holds the memory until the call returns.
	var err error
	for {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), {{ f.cmd }}, uintptr(unsafe.Pointer(arg)))
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			err = errno
		}
		break
	}
{%- for p in f.ptrs %}
	runtime.KeepAlive({{ p.param }})
{%- endfor %}
	return err
{%- endif %}
}
{%- if let Some(raw) = f.raw %}
{{ "" }}
{{- raw.doc }}
func {{ raw.name }}(fd int{{ raw.params }}) error {
	return ioctl(fd, {{ f.cmd }}, {{ f.arg }})
}
{%- endif %}
{%- endfor %}

