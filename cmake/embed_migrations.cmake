# Writes a C++ source that embeds every schema/NNNN_name.sql, so the server binary carries the
# exact migrations it expects and a container image needs no schema files beside it.
function(creditshare_embed_migrations schema_dir out_file)
  file(GLOB sql_files RELATIVE ${schema_dir} ${schema_dir}/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT sql_files)
  set(body "")
  foreach(f ${sql_files})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schema_dir}/${f})
    string(SUBSTRING ${f} 0 4 version)
    math(EXPR version "${version}")  # strips leading zeros
    string(REGEX REPLACE "^[0-9]+_(.*)\\.sql$" "\\1" name ${f})
    file(READ ${schema_dir}/${f} sql)
    string(APPEND body "    {${version}, \"${name}\", R\"creditshare_sql(${sql})creditshare_sql\"},\n")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schema_dir})
  file(CONFIGURE OUTPUT ${out_file} CONTENT
"// Generated from schema/*.sql by cmake/embed_migrations.cmake. Do not edit.
#include \"storage/migrations.h\"

namespace creditshare::storage {

const std::vector<Migration>& EmbeddedMigrations() {
  static const std::vector<Migration> kMigrations = {
${body}  };
  return kMigrations;
}

}  // namespace creditshare::storage
" @ONLY)
endfunction()
