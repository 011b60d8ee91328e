# The shipped cluster examples run for real (issue 19).

# examples/slurm/generate.sbatch submitted as shipped to a one-node Slurm
# started by the test (munged, slurmctld, slurmd in a temporary folder):
# an array of 3, one task requeued mid-run, verify, bytes == one process;
# then a folder per task (OUT=...-%a) and merge. Exit 77 (skip) with the
# daemons' logs if Slurm cannot start here (V2F_REQUIRE_SLURM=1: fail).
add_test(NAME cluster_slurm
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_slurm.py
          $<TARGET_FILE:vec2face_cli> ${V2F_TEST_MODELS}/tiny
          ${PROJECT_SOURCE_DIR}/examples/slurm/generate.sbatch)
set_tests_properties(cluster_slurm PROPERTIES FIXTURES_REQUIRED models
                     TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# examples/kubernetes/*.yaml against the Kubernetes API schemas (1.29 and
# 1.37, --strict) with kubernetes-validate, installed from PyPI into a venv
# here on the first run (exit 77, skip, if that fails); offline after.
add_test(NAME cluster_k8s_validate
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_k8s_validate.py
          ${CMAKE_CURRENT_BINARY_DIR}/k8s-validate-venv
          ${PROJECT_SOURCE_DIR}/examples/kubernetes/generate-job.yaml)
set_tests_properties(cluster_k8s_validate PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# The Job's container command (read from the manifest) run here once per
# completion index with JOB_COMPLETION_INDEX, two at a time (~2 minutes);
# a replacement pod waits (--wait-lock) while the old one runs, the old one
# is killed part-way; verify, the set == one pod's (completions 1).
add_test(NAME cluster_k8s_indexed
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_k8s_indexed.py
          $<TARGET_FILE:vec2face_cli> ${V2F_TEST_MODELS}/tiny
          ${PROJECT_SOURCE_DIR}/examples/kubernetes/generate-job.yaml)
set_tests_properties(cluster_k8s_indexed PROPERTIES FIXTURES_REQUIRED models
                     TIMEOUT 300 SKIP_RETURN_CODE 77)
