# The `vec2face` command (C11, getopt_long): a thin front end over the
# library's v2f_dataset_* API. Installed with the library.
add_executable(vec2face_cli
  ${CMAKE_CURRENT_LIST_DIR}/vec2face.c
  ${CMAKE_CURRENT_LIST_DIR}/args.c
  ${CMAKE_CURRENT_LIST_DIR}/progress.c
  ${CMAKE_CURRENT_LIST_DIR}/model_opts.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_generate.c
  ${CMAKE_CURRENT_LIST_DIR}/generate_args.c
  ${CMAKE_CURRENT_LIST_DIR}/shard_env.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_verify.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_merge.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_sample_ids.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_centres.c
  ${CMAKE_CURRENT_LIST_DIR}/recipe_file.c
  ${CMAKE_CURRENT_LIST_DIR}/ref_identities.c
  ${CMAKE_CURRENT_LIST_DIR}/host.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_report.c)
set_target_properties(vec2face_cli PROPERTIES OUTPUT_NAME vec2face)
# The public API from libvec2face.so (first: what it defines is never taken
# from the archives), the util room's helpers and io's atomic file from the
# internal archives (their hidden copies inside the .so are not reachable;
# host.c gives them their v2f__fail). Test cli_no_library_copies checks
# that no public v2f_* symbol is linked in twice.
target_link_libraries(vec2face_cli PRIVATE vec2face v2f_util v2f_io)
target_compile_options(vec2face_cli PRIVATE -Wall -Wextra -Wno-unused-parameter)
# Installed, it finds libvec2face.so.0 through $ORIGIN/../<libdir>, so the
# prefix can be moved (cmake/V2FLinkDeps.cmake).
v2f_relocatable_rpath(vec2face_cli)
install(TARGETS vec2face_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages (vec2face(1), vec2face-<command>(1)) and bash/zsh completion,
# made at build time from the built command's own --help texts by
# tools/gen_cli_docs.py, so a new flag or command is in them at the next
# build. Needs a Python 3 (standard library only) and a runnable vec2face.
option(V2F_CLI_DOCS "Man pages and shell completion for the vec2face command" ON)
find_program(V2F_DOCS_PYTHON NAMES python3)
if(V2F_CLI_DOCS AND CMAKE_CROSSCOMPILING)
  message(STATUS "vec2face man pages and completion: not made when cross-compiling")
elseif(V2F_CLI_DOCS AND NOT V2F_DOCS_PYTHON)
  message(WARNING "No python3: the vec2face man pages and shell completion are not "
          "made (-DV2F_DOCS_PYTHON=/path/to/python3, or -DV2F_CLI_DOCS=OFF)")
elseif(V2F_CLI_DOCS)
  set(V2F_CLI_DOCS_DIR ${PROJECT_BINARY_DIR}/cli-docs)
  add_custom_command(OUTPUT ${V2F_CLI_DOCS_DIR}/stamp
    COMMAND ${V2F_DOCS_PYTHON} ${PROJECT_SOURCE_DIR}/tools/gen_cli_docs.py
            $<TARGET_FILE:vec2face_cli> ${V2F_CLI_DOCS_DIR}
    DEPENDS vec2face_cli ${PROJECT_SOURCE_DIR}/tools/gen_cli_docs.py
    COMMENT "Man pages and shell completion from vec2face --help"
    VERBATIM)
  add_custom_target(vec2face_cli_docs ALL DEPENDS ${V2F_CLI_DOCS_DIR}/stamp)
  # The directory: every page the generator wrote (one per command).
  install(DIRECTORY ${V2F_CLI_DOCS_DIR}/man1/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${V2F_CLI_DOCS_DIR}/bash/vec2face
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${V2F_CLI_DOCS_DIR}/zsh/_vec2face
    DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
endif()
