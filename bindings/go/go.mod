module github.com/libvec2face/vec2face-go

go 1.22
