# The report page opened in headless Chromium (issue 19).
# A tiny-model dataset reported, the output folder copied, report.html
# opened from the copy in Chromium over the DevTools pipe: no console error,
# no network request, every image and plot with a non-empty size; planted
# broken pages must fail. Skipped (exit 77) without Chromium.
add_test(NAME dataset_report_browser
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_report_browser.py
          $<TARGET_FILE:vec2face_cli> ${V2F_TEST_MODELS}/tiny)
set_tests_properties(dataset_report_browser PROPERTIES FIXTURES_REQUIRED models
                     TIMEOUT 120 SKIP_RETURN_CODE 77)
