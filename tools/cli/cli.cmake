# The `vec2face` command (C11, getopt_long): a thin front end over the
# library's v2f_dataset_* API. Installed with the library.
add_executable(vec2face_cli
  ${CMAKE_CURRENT_LIST_DIR}/vec2face.c
  ${CMAKE_CURRENT_LIST_DIR}/args.c
  ${CMAKE_CURRENT_LIST_DIR}/progress.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_generate.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_verify.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_merge.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_sample_ids.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_centres.c
  ${CMAKE_CURRENT_LIST_DIR}/recipe_file.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_identities.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_report.c)
set_target_properties(vec2face_cli PROPERTIES OUTPUT_NAME vec2face)
target_link_libraries(vec2face_cli PRIVATE vec2face)
target_compile_options(vec2face_cli PRIVATE -Wall -Wextra -Wno-unused-parameter)
install(TARGETS vec2face_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
