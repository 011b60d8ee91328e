# Tests of the image and array I/O (included from tests/CMakeLists.txt).
# Needs: target vec2face, PkgConfig::CMOCKA, PNG::PNG and ZLIB::ZLIB (the
# tests build PNG and zip inputs themselves).
add_executable(test_io ${CMAKE_CURRENT_LIST_DIR}/test_io.c)
target_link_libraries(test_io PRIVATE vec2face PkgConfig::CMOCKA PNG::PNG
                      ZLIB::ZLIB m)
add_test(NAME c_io COMMAND test_io)
set_tests_properties(c_io PROPERTIES TIMEOUT 60)

add_executable(npy_dump ${CMAKE_CURRENT_LIST_DIR}/npy_dump.c)
target_link_libraries(npy_dump PRIVATE vec2face)

# The numpy cross-check needs a Python with numpy; the pyenv shim on PATH
# may lack it, so try V2F_TEST_PYTHON, V2F_PYTHON, /usr/bin/python3, python3.
if(NOT V2F_TEST_PYTHON)
  find_program(_v2f_py_path NAMES python3)
  foreach(_py ${V2F_PYTHON} /usr/bin/python3 ${_v2f_py_path})
    if(EXISTS "${_py}" AND NOT V2F_TEST_PYTHON)
      execute_process(COMMAND "${_py}" -c "import numpy"
                      RESULT_VARIABLE _v2f_np_rc OUTPUT_QUIET ERROR_QUIET)
      if(_v2f_np_rc EQUAL 0)
        set(V2F_TEST_PYTHON "${_py}" CACHE FILEPATH "Python with numpy for the npy cross-check")
      endif()
    endif()
  endforeach()
endif()
if(V2F_TEST_PYTHON)
  add_test(NAME c_npy_crosscheck
           COMMAND ${V2F_TEST_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/npy_crosscheck.py
                   $<TARGET_FILE:npy_dump>)
  set_tests_properties(c_npy_crosscheck PROPERTIES TIMEOUT 60
                       SKIP_RETURN_CODE 77)
else()
  message(STATUS "No Python with numpy: skipping the npy cross-check test")
endif()

# PNG compression level (0.3): pixels equal at every level (libpng's own
# reader), the zlib header's level class, sizes, defaults, bad values.
add_executable(test_png_level ${CMAKE_CURRENT_LIST_DIR}/test_png_level.c)
target_link_libraries(test_png_level PRIVATE vec2face PkgConfig::CMOCKA PNG::PNG)
target_compile_options(test_png_level PRIVATE -Wall -Wextra)
add_test(NAME c_png_level COMMAND test_png_level)
set_tests_properties(c_png_level PROPERTIES TIMEOUT 60)
