# The Python binding's tests (pytest), included by tests/CMakeLists.txt.
# They need the tiny models (fixture "models"), the layout printer and the C
# generate example (whose PNGs the binding must reproduce byte for byte);
# without the examples (-DV2F_BUILD_EXAMPLES=OFF) those two tests skip,
# saying why, and the others run.
#   python_binding          everything but the four below
#   python_binding_interrupt  SIGINT to a child inside identity sampling and
#                           a dataset job: cancelled within 1 s, resumable
#   python_binding_install  pip install into a venv + cmake --install, then
#                           the library is found without VEC2FACE_LIBRARY
#   python_binding_typing   mypy --strict on the package and examples/python
#                           (mypy from PyPI into a venv under the build dir)
#   python_binding_threads  close() racing calls in other threads; in a
#                           -DV2F_SANITIZE=address build the interpreter
#                           preloads gcc's libasan, so tools/ci-sanitize.sh
#                           runs it under ASan (leak checks off: the
#                           uninstrumented interpreter's own leaks)
set(_v2f_example_generate "examples-not-built(-DV2F_BUILD_EXAMPLES=OFF)")
if(TARGET v2f_example_generate)
  set(_v2f_example_generate $<TARGET_FILE:v2f_example_generate>)
endif()
if(TARGET v2f_print_layout)
  set(_v2f_py_tests ${PROJECT_SOURCE_DIR}/bindings/python/tests)
  set(_v2f_py_env
      PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python
      VEC2FACE_LIBRARY=$<TARGET_FILE:vec2face>
      V2F_TEST_MODELS=${V2F_TEST_MODELS}
      V2F_PRINT_LAYOUT=$<TARGET_FILE:v2f_print_layout>
      V2F_EXAMPLE_GENERATE=${_v2f_example_generate}
      V2F_EXAMPLE_PY=${PROJECT_SOURCE_DIR}/examples/python/generate.py)
  set(_v2f_pytest ${V2F_PYTHON} -m pytest -q -p no:cacheprovider)
  add_test(NAME python_binding
    COMMAND ${CMAKE_COMMAND} -E env ${_v2f_py_env}
            ${_v2f_pytest} ${_v2f_py_tests}
            --ignore=${_v2f_py_tests}/test_install.py
            --ignore=${_v2f_py_tests}/test_typing.py
            --ignore=${_v2f_py_tests}/test_threads.py
            --ignore=${_v2f_py_tests}/test_interrupt.py)
  set_tests_properties(python_binding PROPERTIES FIXTURES_REQUIRED models TIMEOUT 400)

  add_test(NAME python_binding_interrupt
    COMMAND ${CMAKE_COMMAND} -E env ${_v2f_py_env}
            ${_v2f_pytest} ${_v2f_py_tests}/test_interrupt.py)
  set_tests_properties(python_binding_interrupt PROPERTIES FIXTURES_REQUIRED models TIMEOUT 300)

  add_test(NAME python_binding_install
    COMMAND ${CMAKE_COMMAND} -E env ${_v2f_py_env} V2F_BUILD_DIR=${CMAKE_BINARY_DIR}
            ${_v2f_pytest} ${_v2f_py_tests}/test_install.py)
  set_tests_properties(python_binding_install PROPERTIES FIXTURES_REQUIRED models TIMEOUT 200)

  add_test(NAME python_binding_typing
    COMMAND ${CMAKE_COMMAND} -E env ${_v2f_py_env}
            V2F_MYPY_VENV=${CMAKE_BINARY_DIR}/python-mypy-venv
            ${_v2f_pytest} ${_v2f_py_tests}/test_typing.py)
  set_tests_properties(python_binding_typing PROPERTIES TIMEOUT 400)

  set(_v2f_asan_env "")
  if(V2F_SANITIZE MATCHES "address")
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE _v2f_libasan OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(_v2f_asan_env LD_PRELOAD=${_v2f_libasan}
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:detect_stack_use_after_return=1)
  endif()
  add_test(NAME python_binding_threads
    COMMAND ${CMAKE_COMMAND} -E env ${_v2f_py_env} ${_v2f_asan_env}
            ${_v2f_pytest} ${_v2f_py_tests}/test_threads.py)
  set_tests_properties(python_binding_threads PROPERTIES FIXTURES_REQUIRED models TIMEOUT 300)
endif()
