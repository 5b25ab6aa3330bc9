/work/wt/rk/driver/kmod-rs/.sa_rs.o.d: /work/wt/rk/driver/kmod-rs/sa_rs.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel_uapi.rs /work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel.rs /work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel_uapi.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_rt.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_nla.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_ring.rs ./rust/libcore.rmeta ./rust/libkernel.rmeta ./rust/libffi.rmeta ./rust/libcompiler_builtins.rmeta ./rust/libmacros.so ./rust/libbindings.rmeta ./rust/libuapi.rmeta ./rust/libbuild_error.rmeta

/work/wt/rk/driver/kmod-rs/sa_rs.o: /work/wt/rk/driver/kmod-rs/sa_rs.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel_uapi.rs /work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel.rs /work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel_uapi.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_rt.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_nla.rs /work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_ring.rs ./rust/libcore.rmeta ./rust/libkernel.rmeta ./rust/libffi.rmeta ./rust/libcompiler_builtins.rmeta ./rust/libmacros.so ./rust/libbindings.rmeta ./rust/libuapi.rmeta ./rust/libbuild_error.rmeta

/work/wt/rk/driver/kmod-rs/sa_rs.rs:
/work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel.rs:
/work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/accel_uapi.rs:
/work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel.rs:
/work/wt/rk/driver/kmod-rs/../../generated/softaccel/rust/linux/softaccel_uapi.rs:
/work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_rt.rs:
/work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_nla.rs:
/work/wt/rk/driver/kmod-rs/../../generated/accel/rust/linux/uabi_ring.rs:
./rust/libcore.rmeta:
./rust/libkernel.rmeta:
./rust/libffi.rmeta:
./rust/libcompiler_builtins.rmeta:
./rust/libmacros.so:
./rust/libbindings.rmeta:
./rust/libuapi.rmeta:
./rust/libbuild_error.rmeta:
