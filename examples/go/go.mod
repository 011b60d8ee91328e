module github.com/libvec2face/vec2face-go/examples/generate

go 1.22

require github.com/libvec2face/vec2face-go v0.0.0

replace github.com/libvec2face/vec2face-go => ../../bindings/go
