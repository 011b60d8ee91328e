# The Python binding's tests (pytest), included by tests/CMakeLists.txt.
# They need the tiny models (fixture "models"), the layout printer and the C
# generate example (whose PNGs the binding must reproduce byte for byte);
# without the examples (-DV2F_BUILD_EXAMPLES=OFF) those two tests skip,
# saying why, and the others run.
set(_v2f_example_generate "examples-not-built(-DV2F_BUILD_EXAMPLES=OFF)")
if(TARGET v2f_example_generate)
  set(_v2f_example_generate $<TARGET_FILE:v2f_example_generate>)
endif()
if(TARGET v2f_print_layout)
  add_test(NAME python_binding
    COMMAND ${CMAKE_COMMAND} -E env
            PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python
            VEC2FACE_LIBRARY=$<TARGET_FILE:vec2face>
            V2F_TEST_MODELS=${V2F_TEST_MODELS}
            V2F_PRINT_LAYOUT=$<TARGET_FILE:v2f_print_layout>
            V2F_EXAMPLE_GENERATE=${_v2f_example_generate}
            V2F_EXAMPLE_PY=${PROJECT_SOURCE_DIR}/examples/python/generate.py
            ${V2F_PYTHON} -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/bindings/python/tests)
  set_tests_properties(python_binding PROPERTIES FIXTURES_REQUIRED models TIMEOUT 300)
endif()
