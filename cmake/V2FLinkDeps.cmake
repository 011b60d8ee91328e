# What a program linking the static archive libvec2face.a must link too,
# and the RUNPATH of installed executables.
#
# The shared library hides libtorch behind the C ABI; the archive cannot:
# its objects reference libtorch, libpng, libjpeg, zlib and the C++ runtime
# directly. Torch's CMake package describes libtorch as imported targets
# whose interfaces use generator expressions ($<TARGET_FILE:torch_cpu>,
# $<TARGET_PROPERTY:torch_cpu,INTERFACE_LINK_LIBRARIES>); a consumer of the
# installed package should not need find_package(Torch) (it needs a C++
# compiler and libtorch's own CMake files), so these are resolved here, at
# configure time, into the files and flags they stand for.

# Location of an imported library target: the build type's configuration
# first, then any configuration it has, then the plain property.
function(_v2f_imported_location tgt out)
  set(loc "")
  get_target_property(type ${tgt} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(cfgs ${tgt} IMPORTED_CONFIGURATIONS)
    if(NOT cfgs)
      set(cfgs "")
    endif()
    string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
    foreach(cfg ${build_type} ${cfgs})
      get_target_property(l ${tgt} IMPORTED_LOCATION_${cfg})
      if(l)
        set(loc ${l})
        break()
      endif()
    endforeach()
    if(NOT loc)
      get_target_property(l ${tgt} IMPORTED_LOCATION)
      if(l)
        set(loc ${l})
      endif()
    endif()
  endif()
  set(${out} "${loc}" PARENT_SCOPE)
endfunction()

# v2f_resolve_link_items(<files> <no_as_needed> ITEMS...)
# Flattens link items (imported targets, recursively; paths; bare names;
# flags) into <files>: absolute library paths and -l/-pthread flags, in
# link order (a library before its dependencies), each once.
# <no_as_needed> lists the files that the package wraps in
# -Wl,--no-as-needed (torch does so for libtorch and libtorch_cpu: their
# operator registrations must load even when no symbol is used).
function(v2f_resolve_link_items out_files out_noasneeded)
  set(work ${ARGN})
  set(files "")
  set(noasneeded "")
  set(seen "")
  while(work)
    list(POP_FRONT work item)
    if(item MATCHES "^\\$<LINK_ONLY:(.+)>$")
      set(item "${CMAKE_MATCH_1}")
    endif()
    if(item MATCHES "\\$<TARGET_PROPERTY:([^,>]+),INTERFACE_LINK_LIBRARIES>")
      get_target_property(deps ${CMAKE_MATCH_1} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(PREPEND work ${deps})
      endif()
    elseif(item MATCHES "\\$<TARGET_FILE:([^>]+)>")
      set(tgt ${CMAKE_MATCH_1})
      _v2f_imported_location(${tgt} loc)
      if(loc)
        if(item MATCHES "--no-as-needed")
          list(APPEND noasneeded ${loc})
        endif()
        list(APPEND files ${loc})
      endif()
    elseif(item MATCHES "\\$<")
      message(WARNING "libvec2face.a: cannot resolve the link item '${item}'; "
              "static consumers may need to add it themselves")
    elseif(TARGET ${item})
      if(NOT item IN_LIST seen)
        list(APPEND seen ${item})
        _v2f_imported_location(${item} loc)
        if(loc)
          list(APPEND files ${loc})
        endif()
        get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
        if(deps)
          list(PREPEND work ${deps})
        endif()
      endif()
    elseif(item MATCHES "^-" OR IS_ABSOLUTE "${item}")
      list(APPEND files ${item})
    elseif(item)
      list(APPEND files -l${item})
    endif()
  endwhile()
  list(REMOVE_DUPLICATES files)
  list(REMOVE_DUPLICATES noasneeded)
  set(${out_files} "${files}" PARENT_SCOPE)
  set(${out_noasneeded} "${noasneeded}" PARENT_SCOPE)
endfunction()

# v2f_cmake_link_items(<out> FILES <files> NO_AS_NEEDED <list>): the items
# for target_link_libraries of the static target, as torch spells them.
function(v2f_cmake_link_items out)
  cmake_parse_arguments(A "" "" "FILES;NO_AS_NEEDED" ${ARGN})
  set(items "")
  foreach(f ${A_FILES})
    if(f IN_LIST A_NO_AS_NEEDED)
      list(APPEND items "-Wl,--no-as-needed,\"${f}\" -Wl,--as-needed")
    else()
      list(APPEND items "${f}")
    endif()
  endforeach()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

# v2f_pkgconfig_libs(<out> FILES <files> NO_AS_NEEDED <list>): the same as
# a list of pkg-config flags: /dir/libNAME.so* becomes -L/dir -lNAME when the
# unversioned libNAME.so exists there (else the path stays), with
# -Wl,-rpath for directories the linker does not search by itself, and the
# no-as-needed libraries grouped in --push-state/--pop-state so that the
# user's own --as-needed setting is left as it was.
function(v2f_pkgconfig_libs out)
  cmake_parse_arguments(A "" "" "FILES;NO_AS_NEEDED" ${ARGN})
  set(dirs "")
  set(pinned "")
  set(libs "")
  foreach(f ${A_FILES})
    set(flag "${f}")
    if(IS_ABSOLUTE "${f}")
      get_filename_component(dir "${f}" DIRECTORY)
      get_filename_component(name "${f}" NAME)
      # (Two ifs: CMAKE_MATCH_1 is expanded before MATCHES runs.)
      if(name MATCHES "^lib(.+)\\.so(\\.[0-9.]+)?$")
        if(EXISTS "${dir}/lib${CMAKE_MATCH_1}.so")
          set(flag "-l${CMAKE_MATCH_1}")
          list(APPEND dirs "${dir}")
        endif()
      endif()
    endif()
    if(f IN_LIST A_NO_AS_NEEDED)
      list(APPEND pinned "${flag}")
    else()
      list(APPEND libs "${flag}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES dirs)
  list(REMOVE_DUPLICATES pinned)
  list(REMOVE_DUPLICATES libs)
  list(REMOVE_ITEM libs ${pinned})
  set(implicit ${CMAKE_C_IMPLICIT_LINK_DIRECTORIES} ${CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES})
  set(words "")
  foreach(d ${dirs})
    if(NOT d IN_LIST implicit)
      list(APPEND words "-L${d}" "-Wl,-rpath,${d}")
    endif()
  endforeach()
  if(pinned)
    list(APPEND words "-Wl,--push-state,--no-as-needed" ${pinned} "-Wl,--pop-state")
  endif()
  list(APPEND words ${libs})
  set(${out} "${words}" PARENT_SCOPE)
endfunction()

# The C++ runtime a C program linking the archive must add: what the C++
# compiler driver links beyond the C driver (stdc++ and m with GCC).
function(v2f_cxx_runtime_libs out)
  set(libs "")
  foreach(l ${CMAKE_CXX_IMPLICIT_LINK_LIBRARIES})
    if(NOT l IN_LIST CMAKE_C_IMPLICIT_LINK_LIBRARIES)
      list(APPEND libs ${l})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES libs)
  set(${out} "${libs}" PARENT_SCOPE)
endfunction()

# v2f_relocatable_rpath(<target>): an installed executable finds the
# installed library relative to itself ($ORIGIN/../lib, or ../lib/<multiarch>
# when CMAKE_INSTALL_LIBDIR says so), so the prefix can be moved; plus the
# non-system directories it was linked from (a libtorch outside /usr).
# The build tree keeps CMake's build RPATH.
function(v2f_relocatable_rpath target)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(rpath "${CMAKE_INSTALL_FULL_LIBDIR}")  # not relative to the prefix
  else()
    file(RELATIVE_PATH rel "/p/${CMAKE_INSTALL_BINDIR}" "/p/${CMAKE_INSTALL_LIBDIR}")
    set(rpath "$ORIGIN/${rel}")
  endif()
  set_target_properties(${target} PROPERTIES
    INSTALL_RPATH "${rpath}"
    INSTALL_RPATH_USE_LINK_PATH ON)
endfunction()
