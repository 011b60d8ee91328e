# The report page opened in headless Chromium (issue 19).
# A tiny-model dataset reported, the output folder copied, report.html
# opened from the copy in Chromium over the DevTools pipe: no console error,
# no network request, every image and plot with a non-empty size; planted
# broken pages must fail. Skipped (exit 77) without Chromium.
v2f_cli_test(dataset_report_browser test_report_browser.py 120)
set_tests_properties(dataset_report_browser PROPERTIES SKIP_RETURN_CODE 77)
