# Identity sampling benchmark (not a test). It uses internal headers and
# symbols that the shared library hides, so it compiles the identity
# sources in, next to the public API from libvec2face.so.
add_executable(bench_identities ${PROJECT_SOURCE_DIR}/bench/identities.c
               ${PROJECT_SOURCE_DIR}/libvec2face/identity/simkernel.c
               ${PROJECT_SOURCE_DIR}/libvec2face/identity/pool.c
               ${PROJECT_SOURCE_DIR}/libvec2face/rng.c)
target_include_directories(bench_identities PRIVATE ${PROJECT_SOURCE_DIR}/libvec2face)
target_link_libraries(bench_identities PRIVATE vec2face Threads::Threads m ${CMAKE_DL_LIBS})
target_compile_options(bench_identities PRIVATE -Wall -Wextra -Wno-unused-parameter)
