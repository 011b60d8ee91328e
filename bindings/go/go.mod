module github.com/libvec2face/libvec2face/bindings/go

go 1.22
