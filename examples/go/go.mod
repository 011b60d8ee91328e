module github.com/libvec2face/libvec2face/examples/go

go 1.22

require github.com/libvec2face/libvec2face/bindings/go v0.0.0

// A local checkout: the binding from this repository, not a download.
replace github.com/libvec2face/libvec2face/bindings/go => ../../bindings/go
