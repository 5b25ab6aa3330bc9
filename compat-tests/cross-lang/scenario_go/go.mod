module uabi.local/compat-tests/scenario

go 1.19

require (
	uabi.local/accel/go v0.0.0
	uabi.local/softaccel/go v0.0.0
)

replace (
	uabi.local/accel/go => ../../../generated/accel/go
	uabi.local/softaccel/go => ../../../generated/softaccel/go
)
