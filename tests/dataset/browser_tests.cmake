# The report page opened in headless Chromium (issue 19).
