# The dataset pipeline end to end through the `vec2face` command: one run
# vs. three shards, kill -9 and resume, refused recipe change, disk full
# (RLIMIT_FSIZE), verify on damaged folders, --help and usage errors.
add_test(NAME dataset_cli
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_dataset.py
          $<TARGET_FILE:vec2face_cli> ${V2F_TEST_MODELS}/tiny)
set_tests_properties(dataset_cli PROPERTIES FIXTURES_REQUIRED models
                     TIMEOUT 300)
