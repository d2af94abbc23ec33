# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) after it has installed the files to
# package into its staging directory: the Debian package ships nanocat as
# /usr/bin/sprocket-nanocat, beside nanomsg-utils' /usr/bin/nanocat.
file(GLOB_RECURSE staged LIST_DIRECTORIES false "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/nanocat")
list(FILTER staged INCLUDE REGEX "/bin/nanocat$")
foreach(path IN LISTS staged)
  get_filename_component(dir ${path} DIRECTORY)
  file(RENAME ${path} ${dir}/sprocket-nanocat)
endforeach()
