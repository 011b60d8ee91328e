# Identity sampling benchmark (not a test). It uses internal symbols that
# the shared library hides, so it links the identity room (the kernels,
# the pool, the RNG) next to the public API from libvec2face.so, which
# comes first on the line: what it defines is not taken twice.
add_executable(bench_identities ${PROJECT_SOURCE_DIR}/bench/identities.c)
target_link_libraries(bench_identities PRIVATE vec2face v2f_identity Threads::Threads m
                      ${CMAKE_DL_LIBS})
target_compile_options(bench_identities PRIVATE -Wall -Wextra -Wno-unused-parameter)
