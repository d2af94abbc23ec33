#include "tls_credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace bench::stream {

std::string make_tls_credentials() {
  namespace fs = std::filesystem;
  std::string dir_template = (fs::temp_directory_path() / "sprocket-bench-tls-XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) throw std::runtime_error("cannot make a directory for the TLS certificate");
  const fs::path dir = dir_template;
  const std::string key = (dir / "key.pem").string(), cert = (dir / "cert.pem").string();
  // P-256: a key every library's TLS stack takes (NNG's mbed TLS too).
  const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                              " -subj /CN=localhost -keyout '" + key + "' -out '" + cert + "' 2>'" +
                              (dir / "openssl.log").string() + "'";
  if (std::system(command.c_str()) != 0) {
    std::ifstream log(dir / "openssl.log");
    std::string why((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    fs::remove_all(dir);
    throw std::runtime_error("making the TLS certificate failed (is openssl installed?): " + why);
  }
  const std::string pem = (dir / "bench.pem").string();
  {
    std::ofstream out(pem);
    out << std::ifstream(cert).rdbuf() << std::ifstream(key).rdbuf();
  }
  ::setenv(kTlsPemVariable, pem.c_str(), 1);
  return dir.string();
}

std::string tls_pem_file() {
  const char* pem = std::getenv(kTlsPemVariable);
  if (!pem || !*pem) throw std::runtime_error(std::string(kTlsPemVariable) + " is not set (run bench_stream)");
  return pem;
}

}  // namespace bench::stream
