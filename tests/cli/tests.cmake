# The `vec2face` command end to end: python3 SCRIPT CLI MODEL_DIR [ARGS...]
# (tests/cli/harness.py), with the tiny models and the Python binding
# reachable (some scripts compute expected values through it).
function(v2f_cli_test name script timeout)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${V2F_PYPATH}
            VEC2FACE_LIBRARY=$<TARGET_FILE:vec2face>
            ${V2F_PYTHON} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${script}
            $<TARGET_FILE:vec2face_cli> ${V2F_TEST_MODELS}/tiny ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED models TIMEOUT ${timeout})
endfunction()

# The dataset pipeline end to end through the `vec2face` command: one run
# vs. three shards, kill -9 and resume, refused recipe change, disk full
# (RLIMIT_FSIZE), verify on damaged folders, --help and usage errors.
v2f_cli_test(dataset_cli test_dataset.py 300)

# Recipe options (0.2): measured metrics checked against PyTorch on the
# decoded PNGs, the identity-consistency filter (drop / regenerate, counts,
# shards, resume), AttrOP images, sampled and landmark-image pose
# templates, refused changes on restart.
v2f_cli_test(dataset_recipe_options test_recipe_options.py 600)

# sample-ids and centres against NumPy brute force, generate --recipe FILE
# and generate --identities DIR (the Python binding computes the expected
# features and raw sampler candidates).
v2f_cli_test(dataset_cli_ids test_cli_ids.py 600)

# `vec2face report`: every number of report.json recomputed by brute force
# (features through the Python binding, float64 NumPy), the contact sheet
# pixel by pixel, the HTML self-contained; incomplete, JPEG, one-identity
# datasets, models lacking parts, usage errors.
v2f_cli_test(dataset_report test_report.py 300 $<TARGET_FILE:vec2face>)

# `vec2face merge`: three shards generated into three folders and merged
# equal a one-run dataset byte for byte; rerun is a no-op; union of
# same-named parts; interrupted merge completed; other recipe and
# conflicting files refused with DST untouched; --link; usage errors.
v2f_cli_test(dataset_merge test_merge.py 300)

# PNG compression level (0.3): --png-level and the recipe-file key give the
# same pixels (independent decoder) at another zlib level; not in the
# digest, so resumed folders mix levels and verify accepts them; shards at
# different levels merge, one image at two levels conflicts; bad values.
v2f_cli_test(dataset_png_level test_png_level.py 300)

# Fault injection for the tests below (LD_PRELOAD): writes under a folder
# fail with ENOSPC after N bytes; flock fails with a chosen errno.
add_library(v2f_fault_inject MODULE ${CMAKE_CURRENT_LIST_DIR}/fault_inject.c)
target_link_libraries(v2f_fault_inject PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(v2f_fault_inject PROPERTIES PREFIX "")

# The shard lock (0.3) in one process: a second job on the same shard is
# V2F_E_BUSY (message with folder, shard, pid, host), another shard runs
# meanwhile, wait_lock waits / is cancelled / finds the shard done, the
# lock goes when the run returns, bad wait_lock values.
v2f_c_test(test_dataset_lock)
set_tests_properties(test_dataset_lock PROPERTIES TIMEOUT 300)

# The shard lock through `vec2face generate`: two processes on one shard
# (one started while the other holds the lock, and two started at once):
# one does the work, the other exits 3 naming the holder and makes
# nothing; --wait-lock waits, then finds the work done; SIGTERM ends a
# wait; SIGKILL releases the lock and the next run resumes; a file system
# without flock warns and runs; verify and merge ignore the lock files.
v2f_cli_test(dataset_shard_lock test_shard_lock.py 300 $<TARGET_FILE:v2f_fault_inject>)

# Disk full in the middle of `generate` and `merge`: on a real 600 KiB
# tmpfs (in a mount namespace, when the test may mount one; else skipped
# with the reason) and by ENOSPC injection (always): the error names the
# file, no partial file under a final name, verify lists what is missing,
# the rerun with space completes byte-identical to an uninterrupted run /
# the normal merge.
v2f_cli_test(dataset_disk_full test_disk_full.py 300 $<TARGET_FILE:v2f_fault_inject>)
