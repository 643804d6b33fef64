# Writes a C++ source that embeds the ISO 4217 list (server/domain/data/iso4217.csv), so the
# server carries the exact currencies it accepts. Refuses a malformed or unsorted file at
# configure time.
function(creditshare_embed_currencies csv_file out_file)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${csv_file})
  file(STRINGS ${csv_file} lines ENCODING UTF-8)
  set(body "")
  set(previous "")
  set(header_seen FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^#" OR line STREQUAL "")
      continue()
    endif()
    if(NOT header_seen)
      if(NOT line STREQUAL "code,numeric,minor_unit,name")
        message(FATAL_ERROR "${csv_file}: the first line must be the header code,numeric,minor_unit,name")
      endif()
      set(header_seen TRUE)
      continue()
    endif()
    if(NOT line MATCHES "^([A-Z][A-Z][A-Z]),([0-9][0-9][0-9]),([0-4]),([A-Za-z0-9 ().'-]+)$")
      message(FATAL_ERROR "${csv_file}: malformed line \"${line}\"")
    endif()
    set(code ${CMAKE_MATCH_1})
    math(EXPR numeric "${CMAKE_MATCH_2}")  # strips leading zeros (008 would be octal in C++)
    set(exponent ${CMAKE_MATCH_3})
    set(name "${CMAKE_MATCH_4}")
    if(NOT previous STREQUAL "" AND NOT code STRGREATER previous)
      message(FATAL_ERROR "${csv_file}: ${code} is out of order or repeated (after ${previous})")
    endif()
    set(previous ${code})
    string(APPEND body "      {\"${code}\", ${numeric}, ${exponent}, \"${name}\"},\n")
  endforeach()
  if(body STREQUAL "")
    message(FATAL_ERROR "${csv_file}: no currencies")
  endif()
  file(CONFIGURE OUTPUT ${out_file} CONTENT
"// Generated from server/domain/data/iso4217.csv by cmake/embed_currencies.cmake. Do not edit.
#include \"domain/currency.h\"

namespace creditshare::domain {

std::span<const Currency> ActiveCurrencies() {
  static constexpr Currency kCurrencies[] = {
${body}  };
  return kCurrencies;
}

}  // namespace creditshare::domain
" @ONLY)
endfunction()
