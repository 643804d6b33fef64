// creditshare-bench: drives creditshare-server (or the echo baseline) and MariaDB and prints
// throughput and latency percentiles as JSON. Subcommands:
//   echo-server  the baseline gRPC server (same TLS and threading model as creditshare-server)
//   ingest       generates a borrower population and streams it through the bulk API
//   load         closed loop (--concurrency) or open loop (--rate) against one method or a mix
//   db-baseline  raw point SELECTs and raw multi-row INSERTs through the same connector
//   in-process   the exposure call's work without gRPC: the service's own domain and storage code
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>
#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "creditshare_client.h"
#include "domain/clock.h"
#include "domain/exposure.h"
#include "domain/resident_id.h"
#include "echo.grpc.pb.h"
#include "security/borrower_keyer.h"
#include "storage/connection_pool.h"
#include "storage/group_commit.h"
#include "storage/inquiry_repository.h"
#include "storage/member_directory.h"
#include "storage/sql_text.h"
#include "storage/transaction.h"

namespace {

namespace v1 = creditshare::v1;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Tls {
  std::string ca, cert, key;
};

// ---------------------------------------------------------------- CPU during a measured window
// The modeled limit adds up machine time per call: the CPU time of every process on the machine
// during the window, divided by the calls made in it and by the cores. The processes named by
// --cpu-pids (server=PID,mariadb=PID) are reported on their own too.
struct CpuSample {
  double machine_busy_s = 0;  // summed over cores
  double machine_switches = 0;  // context switches, all processes
  std::map<std::string, double> process_s;
  std::map<std::string, double> process_switches;  // summed over the process's threads
  // By process and thread name (cs-worker, cs-commit, gRPC's own...): CPU seconds and switches.
  std::map<std::string, std::map<std::string, std::pair<double, double>>> threads;
  std::map<std::string, std::map<std::string, int>> thread_counts;
  Clock::time_point at;
};

double ClockTicks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

CpuSample SampleCpu(const std::map<std::string, int>& pids) {
  CpuSample s;
  s.at = Clock::now();
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  s.machine_busy_s = (user + nice + system + irq + softirq + steal) / ClockTicks();
  for (std::string line; std::getline(stat, line);)
    if (line.rfind("ctxt ", 0) == 0) s.machine_switches = std::stod(line.substr(5));
  for (const auto& [name, pid] : pids) {
    std::ifstream ps("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(ps)), {});
    const auto close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    s.process_s[name] = (utime + stime) / ClockTicks();
    double switches = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
      double task_switches = 0;
      std::ifstream status(task.path() / "status");
      std::string comm;
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("Name:", 0) == 0) comm = line.substr(line.find_first_not_of(" \t", 5));
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
          task_switches += std::stod(line.substr(line.find(':') + 1));
      }
      switches += task_switches;
      std::ifstream task_stat(task.path() / "stat");
      std::string task_text((std::istreambuf_iterator<char>(task_stat)), {});
      const auto task_close = task_text.rfind(')');
      double task_cpu = 0;
      if (task_close != std::string::npos) {
        std::istringstream tf(task_text.substr(task_close + 2));
        std::string f;
        for (int i = 3; i <= 15 && tf >> f; ++i)
          if (i == 14 || i == 15) task_cpu += std::stod(f);
      }
      auto& group = s.threads[name][comm];
      group.first += task_cpu / ClockTicks();
      group.second += task_switches;
      ++s.thread_counts[name][comm];
    }
    s.process_switches[name] = switches;
  }
  return s;
}

std::map<std::string, int> ParsePids(const std::string& spec) {
  std::map<std::string, int> pids;
  std::istringstream in(spec);
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw std::runtime_error("--cpu-pids takes name=PID[,name=PID...]: " + item);
    pids[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
  }
  return pids;
}

// Adds, for `calls` made between `a` and `b`: the machine's busy cores, the CPU time per call of
// every process together (summed over cores) and of each named process.
void AddCpu(json& j, const CpuSample& a, const CpuSample& b, double calls) {
  const double secs = std::chrono::duration<double>(b.at - a.at).count();
  if (secs <= 0 || calls <= 0) return;
  const double busy = b.machine_busy_s - a.machine_busy_s;
  j["machine_busy_cores"] = busy / secs;
  j["machine_cpu_us_per_call"] = busy / calls * 1e6;
  j["machine_switches_per_call"] = (b.machine_switches - a.machine_switches) / calls;
  for (const auto& [name, end_s] : b.process_s) {
    const auto start = a.process_s.find(name);
    if (start != a.process_s.end()) j["cpu_us_per_call"][name] = (end_s - start->second) / calls * 1e6;
  }
  // Threads that ended within the window take their counts with them: a lower bound.
  for (const auto& [name, end_n] : b.process_switches) {
    const auto start = a.process_switches.find(name);
    if (start != a.process_switches.end()) j["switches_per_call"][name] = (end_n - start->second) / calls;
  }
  // The same per thread name; threads that started within the window count from zero.
  for (const auto& [process, counts] : b.thread_counts)
    for (const auto& [comm, n] : counts) j["thread_counts"][process][comm] = n;
  for (const auto& [process, groups] : b.threads) {
    const auto before = a.threads.find(process);
    for (const auto& [comm, end] : groups) {
      std::pair<double, double> start{0, 0};
      if (before != a.threads.end())
        if (auto it = before->second.find(comm); it != before->second.end()) start = it->second;
      j["threads_per_call"][process][comm] = {{"cpu_us", (end.first - start.first) / calls * 1e6},
                                              {"switches", (end.second - start.second) / calls}};
    }
  }
}

// ---------------------------------------------------------------- echo baseline
class EchoImpl final : public creditshare::bench::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const creditshare::bench::EchoRequest* req,
                    creditshare::bench::EchoResponse* resp) override {
    resp->set_payload(req->payload());
    return grpc::Status::OK;
  }
};

int EchoServer(const std::string& listen, const Tls& tls, int max_threads) {
  grpc::SslServerCredentialsOptions opts(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  opts.pem_root_certs = ReadFile(tls.ca);
  opts.pem_key_cert_pairs.push_back({ReadFile(tls.key), ReadFile(tls.cert)});
  EchoImpl service;
  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("echo");
  quota.SetMaxThreads(max_threads);
  builder.SetResourceQuota(quota);
  // gRPC's sync server ends a worker that finishes a call when more than MAX_POLLERS threads (default 2)
  // already wait for calls, and starts a new one when fewer than MIN_POLLERS do: under load that
  // created and destroyed a thread for about every second call. Finished workers keep polling instead,
  // up to the thread cap.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, max_threads);
  int port = 0;
  builder.AddListeningPort(listen, grpc::SslServerCredentials(opts), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server) throw std::runtime_error("cannot listen on " + listen);
  std::cout << "echo server on port " << port << std::endl;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return 0;
}

// ---------------------------------------------------------------- population
std::string MakeId(std::mt19937_64& rng, long n) {
  static const char* kRegions[] = {"120101", "120102", "120104", "110105", "110108", "310104", "440305", "330106",
                                   "510107", "420102", "370202", "320102"};
  const std::string region = kRegions[rng() % 12];
  char body[32];
  std::snprintf(body, sizeof body, "%s%04d%02d%02d%03ld", region.c_str(), 1960 + static_cast<int>(rng() % 45),
                1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28), n % 1000);
  return std::string(body) + creditshare::domain::ResidentId::CheckCharacter(body);
}

// Most borrowers hold 1-3 lines, a tail up to 15 (multi-lender borrowers).
int LinesFor(std::mt19937_64& rng) {
  const int r = static_cast<int>(rng() % 100);
  if (r < 45) return 1;
  if (r < 75) return 2;
  if (r < 90) return 3;
  if (r < 97) return 4 + static_cast<int>(rng() % 4);
  return 8 + static_cast<int>(rng() % 8);
}

struct MemberCreds {
  std::string code, cert, key;
};

// The resident IDs `ingest` wrote, one per line; the load runs pick among them.
std::vector<std::string> ReadIds(const std::string& path) {
  std::vector<std::string> ids;
  std::istringstream in(ReadFile(path));
  for (std::string id; std::getline(in, id);)
    if (!id.empty()) ids.push_back(id);
  if (ids.empty()) throw std::runtime_error(path + " holds no resident IDs: run ingest first");
  return ids;
}

std::vector<MemberCreds> ReadMembers(const std::string& path) {
  std::vector<MemberCreds> out;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    MemberCreds m;
    if (f >> m.code >> m.cert >> m.key) out.push_back(m);
  }
  if (out.empty()) throw std::runtime_error("no members in " + path);
  return out;
}

creditshare::client::ClientOptions Options(const std::string& target, const std::string& ca, const MemberCreds& m) {
  creditshare::client::ClientOptions o;
  o.target = target;
  o.ca_file = ca;
  o.cert_file = m.cert;
  o.key_file = m.key;
  o.deadline = std::chrono::seconds(30);
  return o;
}

int Ingest(const std::string& target, const std::string& ca, const std::string& members_file, long borrowers,
           const std::string& ids_out, const std::string& json_out, unsigned seed) {
  const auto members = ReadMembers(members_file);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<v1::BulkLineRecord>> per_member(members.size());
  std::ofstream ids(ids_out);
  long lines = 0;
  static const v1::ProductType kProducts[] = {v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN, v1::PRODUCT_TYPE_CREDIT_CARD,
                                              v1::PRODUCT_TYPE_REVOLVING_CONSUMER_CREDIT,
                                              v1::PRODUCT_TYPE_INSTALMENT_CONSUMER_LOAN, v1::PRODUCT_TYPE_AUTO_LOAN};
  for (long b = 0; b < borrowers; ++b) {
    const std::string id = MakeId(rng, b);
    ids << id << "\n";
    const int n = LinesFor(rng);
    for (int i = 0; i < n; ++i) {
      const size_t m = rng() % members.size();
      v1::BulkLineRecord r;
      r.set_sequence(lines);
      r.set_request_id("gen-" + std::to_string(seed) + "-" + std::to_string(lines));
      auto* l = r.mutable_line();
      l->set_account_reference("G" + std::to_string(seed) + "-" + std::to_string(lines));
      l->set_resident_id(id);
      l->set_product_type(kProducts[rng() % 5]);
      l->set_currency("CNY");
      const long limit = 100'000 * static_cast<long>(1 + rng() % 500);
      l->set_credit_limit_minor(limit);
      l->set_outstanding_balance_minor(limit * static_cast<long>(rng() % 100) / 100);
      auto* opened = l->mutable_opened_date();
      opened->set_year(2020 + static_cast<int>(rng() % 6));
      opened->set_month(1 + static_cast<int>(rng() % 12));
      opened->set_day(1 + static_cast<int>(rng() % 28));
      l->set_status(v1::LINE_STATUS_OPEN);
      if (rng() % 100 < 6) {  // about 6% past due
        const int dpd = 1 + static_cast<int>(rng() % 200);
        const long overdue = 1000 + dpd * 100;
        l->set_days_past_due(dpd);
        l->set_outstanding_balance_minor(std::max<long>(l->outstanding_balance_minor(), overdue));
        l->set_overdue_amount_minor(overdue);
        auto* fd = l->mutable_first_delinquency_date();
        fd->set_year(2026);
        fd->set_month(10);
        fd->set_day(1);
      }
      auto* as_of = l->mutable_as_of_date();
      as_of->set_year(2026);
      as_of->set_month(10);
      as_of->set_day(31);
      per_member[m].push_back(std::move(r));
      ++lines;
    }
  }
  ids.close();
  // A lender's file follows its own account numbers, not the borrowers' order across lenders:
  // without this, all streams would work on the same borrowers at the same moment.
  for (auto& records : per_member) std::shuffle(records.begin(), records.end(), rng);
  std::atomic<long> accepted = 0, rejected = 0, failed_streams = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t m = 0; m < members.size(); ++m)
    threads.emplace_back([&, m] {
      creditshare::client::Client client(Options(target, ca, members[m]));
      size_t next = 0;
      const auto st = client.BulkReportCreditLines(
          [&](v1::BulkLineRecord* out) {
            if (next >= per_member[m].size()) return false;
            *out = per_member[m][next++];
            return true;
          },
          500,
          [&](const v1::BulkRecordResult& r) {
            if (r.status() == v1::BULK_RECORD_STATUS_REJECTED) {
              ++rejected;
            } else {
              ++accepted;
            }
          });
      if (!st.ok()) {
        std::cerr << "bulk stream of " << members[m].code << " failed: " << st.error_message() << "\n";
        ++failed_streams;
      }
    });
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  json j{{"kind", "ingest"}, {"borrowers", borrowers}, {"records", lines}, {"accepted", accepted.load()},
         {"rejected", rejected.load()}, {"seconds", secs}, {"records_per_second", static_cast<double>(accepted) / secs}};
  std::ofstream(json_out, std::ios::app) << j.dump() << "\n";
  std::cout << j.dump() << std::endl;
  return rejected > 0 || failed_streams > 0 ? 1 : 0;
}

// ---------------------------------------------------------------- load
// The async gRPC API on one completion-queue thread: the generator's own cost per call stays
// small and constant, so the figures are the server's, and open-loop arrivals are never held up
// by a slow answer.
double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// An open-loop burst: from `at` seconds into the measured window, `rate` calls per second for
// `seconds`, then back to the base rate. The run reports how long latency takes to come back.
struct Burst {
  double rate = 0;  // 0: no burst
  double at = 0;
  double seconds = 0;
};

// One call in flight: its context, status, response and when it was due.
struct AsyncCall {
  grpc::ClientContext ctx;
  grpc::Status status;
  Clock::time_point intended;
  v1::GetBorrowerExposureResponse exposure;
  v1::CheckNewCreditResponse check;
  v1::ReportCreditLineResponse report;
  creditshare::bench::EchoResponse echo;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::GetBorrowerExposureResponse>> exposure_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CheckNewCreditResponse>> check_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::ReportCreditLineResponse>> report_reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<creditshare::bench::EchoResponse>> echo_reader;
};

int Load(const std::string& target, const std::string& ca, const std::string& members_file, const std::string& ids_file,
         const std::string& method, int concurrency, int client_threads, double duration_s, double warmup_s,
         double rate, const std::string& label, const std::string& json_out, const Burst& burst, bool watch,
         const std::map<std::string, int>& cpu_pids, const std::string& timeline_out) {
  const auto members = ReadMembers(members_file);
  const auto ids = ReadIds(ids_file);
  // One channel per member, as each lender would have.
  std::vector<std::unique_ptr<creditshare::client::Client>> clients;
  std::vector<std::unique_ptr<v1::InquiryService::Stub>> inquiry;
  std::vector<std::unique_ptr<v1::ReportingService::Stub>> reporting;
  std::vector<std::unique_ptr<creditshare::bench::Echo::Stub>> echo;
  if (method == "echo") {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(ca);
    tls.pem_cert_chain = ReadFile(members[0].cert);
    tls.pem_private_key = ReadFile(members[0].key);
    for (size_t i = 0; i < members.size(); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("channel_id", static_cast<int>(i));  // distinct channels, like distinct lenders
      echo.push_back(creditshare::bench::Echo::NewStub(grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args)));
    }
  } else {
    for (const auto& m : members) {
      clients.push_back(std::make_unique<creditshare::client::Client>(Options(target, ca, m)));
      inquiry.push_back(v1::InquiryService::NewStub(clients.back()->channel()));
      reporting.push_back(v1::ReportingService::NewStub(clients.back()->channel()));
    }
  }
  // Connections (TLS handshakes) are made before the clock starts; the echo channels connect
  // during the warm-up.
  for (const auto& client : clients)
    if (!client->channel()->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)))
      throw std::runtime_error("cannot connect to " + target);
  const std::string payload(700, 'x');  // about the size of an exposure response
  // A lane is one completion-queue thread with the calls it keeps in flight. The closed loop can
  // spread the concurrency over --client-threads lanes, for machines where one lane saturates its
  // core before the server does (on 2 shared cores a second lane made the echo run slower: the
  // client then takes CPU from the server). The open loop uses one lane (it runs below saturation).
  struct Lane {
    int index = 0;
    grpc::CompletionQueue cq;
    std::mt19937_64 rng;
    long report_seq = 0;
    std::vector<double> latencies_ms;
    long errors = 0;
    std::map<int, long> errors_by_code;  // gRPC status code -> count
    std::vector<std::pair<double, double>> timeline;  // (due, s into the measured window; latency ms)
  };
  const int lane_count = rate > 0 ? 1 : std::clamp(client_threads, 1, concurrency);
  std::vector<std::unique_ptr<Lane>> lanes;
  for (int i = 0; i < lane_count; ++i) {
    lanes.push_back(std::make_unique<Lane>());
    lanes.back()->index = i;
    lanes.back()->rng.seed(17 + i);
  }

  // Starts one call due at `intended`; its completion arrives on the lane's queue with the call as tag.
  auto issue = [&](Lane& lane, Clock::time_point intended) {
    auto& cq = lane.cq;
    auto& rng = lane.rng;
    auto* call = new AsyncCall;
    call->intended = intended;
    call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    const size_t m = rng() % members.size();
    const std::string& id = ids[rng() % ids.size()];
    std::string op = method;
    if (method == "mix") {  // origination traffic: mostly pre-approval checks, some lookups, some reports
      const int r = static_cast<int>(rng() % 100);
      op = r < 70 ? "check" : r < 90 ? "exposure" : "report";
    }
    if (op == "echo") {
      creditshare::bench::EchoRequest req;
      req.set_payload(payload);
      call->echo_reader = echo[m]->AsyncEcho(&call->ctx, req, &cq);
      call->echo_reader->Finish(&call->echo, &call->status, call);
    } else if (op == "exposure") {
      v1::GetBorrowerExposureRequest req;
      req.set_resident_id(id);
      req.set_purpose(v1::PURPOSE_LOAN_APPROVAL);
      req.set_consent_reference("BENCH");
      call->exposure_reader = inquiry[m]->AsyncGetBorrowerExposure(&call->ctx, req, &cq);
      call->exposure_reader->Finish(&call->exposure, &call->status, call);
    } else if (op == "check") {
      v1::CheckNewCreditRequest req;
      req.set_resident_id(id);
      req.set_purpose(v1::PURPOSE_LOAN_APPROVAL);
      req.set_consent_reference("BENCH");
      req.set_product_type(v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN);
      req.set_currency("CNY");
      req.set_proposed_limit_minor(2'000'000);
      call->check_reader = inquiry[m]->AsyncCheckNewCredit(&call->ctx, req, &cq);
      call->check_reader->Finish(&call->check, &call->status, call);
    } else {
      // report: a fresh line per call (new account reference) for an existing borrower.
      const std::string n = std::to_string(lane.index) + "-" + std::to_string(lane.report_seq++);
      v1::ReportCreditLineRequest req;
      req.set_request_id("load-" + label + "-" + n);
      auto* l = req.mutable_line();
      l->set_account_reference("L-" + label + "-" + n);
      l->set_resident_id(id);
      l->set_product_type(v1::PRODUCT_TYPE_CREDIT_CARD);
      l->set_currency("CNY");
      l->set_credit_limit_minor(1'000'000);
      l->set_outstanding_balance_minor(10'000);
      l->mutable_opened_date()->set_year(2025);
      l->mutable_opened_date()->set_month(6);
      l->mutable_opened_date()->set_day(1);
      l->set_status(v1::LINE_STATUS_OPEN);
      l->mutable_as_of_date()->set_year(2026);
      l->mutable_as_of_date()->set_month(10);
      l->mutable_as_of_date()->set_day(31);
      call->report_reader = reporting[m]->AsyncReportCreditLine(&call->ctx, req, &cq);
      call->report_reader->Finish(&call->report, &call->status, call);
    }
  };

  // --watch: every member follows its alerts from now on, each on a channel of its own, and the
  // delay from each alert's commit (its occurred_at, the server's clock: this machine's) to its
  // arrival is recorded for alerts raised in the measured window.
  struct Watch {
    std::unique_ptr<creditshare::client::Client> client;
    grpc::ClientContext context;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Watch>> watches;
  std::mutex watch_mu;
  std::vector<double> alert_delays_ms;
  std::atomic<std::int64_t> window_from_us{INT64_MAX}, window_to_us{INT64_MAX};
  const auto wall_us = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  if (watch) {
    for (const auto& m : members) {
      auto w = std::make_unique<Watch>();
      w->client = std::make_unique<creditshare::client::Client>(Options(target, ca, m));
      auto* raw = w.get();
      w->thread = std::thread([&, raw] {
        v1::WatchAlertsRequest req;
        req.set_from_now(true);
        raw->client->WatchAlerts(raw->context, req, [&](const v1::WatchAlertsResponse& r) {
          const auto now = wall_us();
          std::lock_guard lock(watch_mu);
          for (const auto& a : r.alerts())
            if (a.occurred_at_unix_micros() >= window_from_us && a.occurred_at_unix_micros() < window_to_us)
              alert_delays_ms.push_back(static_cast<double>(now - a.occurred_at_unix_micros()) / 1000);
          return true;
        });
      });
      watches.push_back(std::move(w));
    }
  }

  // Calls due in the warm-up (caches, pools and connections filling) are made but not counted.
  const auto start = Clock::now();
  const auto measured_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup_s));
  const auto end =
      measured_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
  CpuSample cpu_from;
  std::thread cpu_meter([&] {
    std::this_thread::sleep_until(measured_from);
    cpu_from = SampleCpu(cpu_pids);
  });
  window_from_us = wall_us() + static_cast<std::int64_t>(warmup_s * 1e6);
  std::mutex mu;  // open loop: the scheduler and the completion thread both issue and count
  std::condition_variable slot_free;
  long in_flight = 0;
  auto complete = [&](Lane& lane, AsyncCall* call) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - call->intended).count();
    if (call->intended < measured_from) {
      // warm-up
    } else if (call->status.ok()) {
      lane.latencies_ms.push_back(ms);
      lane.timeline.emplace_back(std::chrono::duration<double>(call->intended - measured_from).count(), ms);
    } else {
      ++lane.errors;
      ++lane.errors_by_code[call->status.error_code()];
    }
    delete call;
  };

  if (rate <= 0) {
    // Closed loop: `concurrency` calls always outstanding, spread over the lanes; each answer
    // starts the next call on its lane.
    std::vector<std::thread> threads;
    for (auto& lane_ptr : lanes) {
      Lane& lane = *lane_ptr;
      const int share = concurrency / lane_count + (lane.index < concurrency % lane_count ? 1 : 0);
      threads.emplace_back([&, share] {
        for (int i = 0; i < share; ++i) issue(lane, Clock::now());
        long lane_in_flight = share;
        void* tag = nullptr;
        bool ok = false;
        while (lane_in_flight > 0 && lane.cq.Next(&tag, &ok)) {
          complete(lane, static_cast<AsyncCall*>(tag));
          --lane_in_flight;
          if (const auto now = Clock::now(); now < end) {
            issue(lane, now);
            ++lane_in_flight;
          }
        }
        lane.cq.Shutdown();
        while (lane.cq.Next(&tag, &ok)) {
        }
      });
    }
    for (auto& t : threads) t.join();
  } else {
    Lane& lane = *lanes.front();
    auto& cq = lane.cq;
    // Open loop: call i is due at start + i/rate and latency counts from then, so a slow server
    // cannot hide its queueing (no coordinated omission). `concurrency` caps calls in flight.
    std::thread completions([&] {
      void* tag = nullptr;
      bool ok = false;
      while (cq.Next(&tag, &ok)) {
        std::lock_guard lock(mu);
        complete(lane, static_cast<AsyncCall*>(tag));
        --in_flight;
        slot_free.notify_one();
      }
    });
    // Due times advance by 1/rate, at the burst's rate inside its window.
    const double warm = std::chrono::duration<double>(measured_from - start).count();
    double due_s = 0;  // since start
    for (;; due_s += 1.0 / (burst.rate > 0 && due_s - warm >= burst.at && due_s - warm < burst.at + burst.seconds
                                ? burst.rate
                                : rate)) {
      const auto intended = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(due_s));
      if (intended >= end) break;
      std::this_thread::sleep_until(intended);
      std::unique_lock lock(mu);
      slot_free.wait(lock, [&] { return in_flight < concurrency; });
      issue(lane, intended);
      ++in_flight;
    }
    {
      std::unique_lock lock(mu);
      slot_free.wait(lock, [&] { return in_flight == 0; });
    }
    cq.Shutdown();
    completions.join();
  }
  const double secs = std::chrono::duration<double>(Clock::now() - measured_from).count();
  const CpuSample cpu_to = SampleCpu(cpu_pids);
  cpu_meter.join();
  if (watch) {
    window_to_us = wall_us();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the last alerts' delivery
    for (auto& w : watches) w->context.TryCancel();
    for (auto& w : watches) w->thread.join();
  }
  std::vector<double> latencies_ms;
  long errors = 0;
  std::map<int, long> errors_by_code;
  for (const auto& lane : lanes) {
    latencies_ms.insert(latencies_ms.end(), lane->latencies_ms.begin(), lane->latencies_ms.end());
    errors += lane->errors;
    for (const auto& [code, n] : lane->errors_by_code) errors_by_code[code] += n;
  }
  json j{{"kind", "load"},
         {"label", label},
         {"method", method},
         {"concurrency", concurrency},
         {"client_threads", lane_count},
         {"rate", rate},
         {"seconds", secs},
         {"ok", latencies_ms.size()},
         {"errors", errors},
         {"throughput", static_cast<double>(latencies_ms.size()) / secs},
         {"p50_ms", Percentile(latencies_ms, 50)},
         {"p90_ms", Percentile(latencies_ms, 90)},
         {"p99_ms", Percentile(latencies_ms, 99)},
         {"p999_ms", Percentile(latencies_ms, 99.9)}};
  for (const auto& [code, n] : errors_by_code) j["errors_by_code"][std::to_string(code)] = n;
  AddCpu(j, cpu_from, cpu_to, static_cast<double>(latencies_ms.size() + static_cast<size_t>(errors)));
  if (watch) {
    j["alerts_received"] = alert_delays_ms.size();
    j["alerts_per_s"] = static_cast<double>(alert_delays_ms.size()) / secs;
    j["alert_p50_ms"] = Percentile(alert_delays_ms, 50);
    j["alert_p99_ms"] = Percentile(alert_delays_ms, 99);
    j["alert_max_ms"] = Percentile(alert_delays_ms, 100);
  }
  if (!timeline_out.empty()) {
    // 100 ms buckets by due time: where a run's tail latency comes from (a stall, a steady queue).
    std::map<long, std::vector<double>> buckets;
    for (const auto& lane : lanes)
      for (const auto& [due, ms] : lane->timeline) buckets[static_cast<long>(due * 10)].push_back(ms);
    std::ofstream out(timeline_out);
    out << "due_s calls p50_ms p99_ms max_ms\n";
    for (auto& [b, v] : buckets)
      out << static_cast<double>(b) / 10 << ' ' << v.size() << ' ' << Percentile(v, 50) << ' ' << Percentile(v, 99)
          << ' ' << Percentile(v, 100) << '\n';
  }
  if (burst.rate > 0) {
    // Latency before the burst (the baseline), in it, and when it is back: the start of the first
    // 100 ms bucket after the burst from which every bucket's p99 stays within twice the baseline.
    std::vector<std::pair<double, double>> timeline;
    for (const auto& lane : lanes) timeline.insert(timeline.end(), lane->timeline.begin(), lane->timeline.end());
    std::vector<double> before, during;
    std::map<long, std::vector<double>> after;  // bucket -> latencies
    const double burst_end = burst.at + burst.seconds;
    for (const auto& [due, ms] : timeline) {
      if (due < burst.at) {
        before.push_back(ms);
      } else if (due < burst_end) {
        during.push_back(ms);
      } else {
        after[static_cast<long>((due - burst_end) * 10)].push_back(ms);
      }
    }
    const double baseline = Percentile(before, 99);
    double recovered_at = -1;
    for (auto it = after.rbegin(); it != after.rend(); ++it) {
      if (Percentile(it->second, 99) > 2 * baseline) break;
      recovered_at = static_cast<double>(it->first) / 10;
    }
    j["burst_rate"] = burst.rate;
    j["burst_seconds"] = burst.seconds;
    j["baseline_p99_ms"] = baseline;
    j["burst_p99_ms"] = Percentile(during, 99);
    j["recovery_s"] = recovered_at;  // -1: not back within the run
  }
  std::ofstream(json_out, std::ios::app) << j.dump() << "\n";
  std::cout << j.dump() << std::endl;
  return errors > static_cast<long>(latencies_ms.size()) / 100 ? 1 : 0;  // more than 1% errors: the run is not valid
}

// ---------------------------------------------------------------- database baselines
// Runs body(t) for t in [0, n) on n threads; the first exception any of them throws is rethrown
// once all have finished (an exception escaping a thread would terminate the process).
void OnThreads(int n, const std::function<void(int)>& body) {
  std::mutex mu;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t)
    threads.emplace_back([&, t] {
      try {
        body(t);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
      }
    });
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

// Runs `body(thread, until)` on `concurrency` threads for `duration_s`; each returns the operations
// it made. Returns their rate and the CPU per operation (AddCpu).
json TimedRun(int concurrency, double duration_s, const std::map<std::string, int>& cpu_pids,
              const std::function<long(int, Clock::time_point)>& body) {
  std::atomic<long> ops = 0;
  const auto cpu_from = SampleCpu(cpu_pids);
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration_s));
  OnThreads(concurrency, [&](int t) { ops += body(t, until); });
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  json part{{"per_second", static_cast<double>(ops) / secs}};
  AddCpu(part, cpu_from, SampleCpu(cpu_pids), static_cast<double>(ops));
  return part;
}

int DbBaseline(const creditshare::storage::DbConfig& db, int concurrency, double duration_s, long insert_rows,
               const std::string& json_out, const std::map<std::string, int>& cpu_pids) {
  creditshare::storage::ConnectionPool pool(db);
  long max_id = 0;
  {
    auto conn = pool.Acquire();
    std::unique_ptr<sql::ResultSet> rs(conn->Prepare("SELECT COALESCE(MAX(id), 0) FROM borrowers").executeQuery());
    rs->next();
    max_id = rs->getInt64(1);
    conn->Execute("DROP TABLE IF EXISTS bench_insert");
    conn->Execute(
        "CREATE TABLE bench_insert (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id BIGINT NOT NULL, "
        "account_reference VARCHAR(64) NOT NULL, borrower_id BIGINT NOT NULL, credit_limit_minor BIGINT NOT NULL, "
        "outstanding_balance_minor BIGINT NOT NULL, as_of_date DATE NOT NULL, UNIQUE KEY (member_id, account_reference), "
        "KEY (borrower_id)) ENGINE=InnoDB");
  }
  if (max_id == 0) throw std::runtime_error("no borrowers to select: run ingest first");
  json j{{"kind", "db-baseline"}, {"concurrency", concurrency}};
  // Point SELECTs by primary key, one connection per thread, prepared statements.
  j["point_select"] = TimedRun(concurrency, duration_s, cpu_pids, [&](int t, Clock::time_point until) {
    std::mt19937_64 rng(static_cast<unsigned>(t) + 1);
    auto conn = pool.Acquire();
    auto& stmt = conn->Prepare("SELECT region_code FROM borrowers WHERE id = ?");
    long n = 0;
    for (; Clock::now() < until; ++n) {
      stmt.setUInt64(1, 1 + rng() % static_cast<unsigned long>(max_id));
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      rs->next();
    }
    return n;
  });
  j["point_selects_per_second"] = j["point_select"]["per_second"];

  // The parts of the modeled limit of one exposure (docs/performance.md): the read of one row the
  // size of a borrower's current state, by primary key; and a durable append of one record the size
  // of an inquiry with its audit record, each INSERT its own commit with
  // innodb_flush_log_at_trx_commit=1, so the server's group commit shares the log flushes among
  // the `concurrency` connections.
  constexpr int kStateBytes = 512;  // a borrower with a few lines, their figures and statuses
  // As many rows as borrowers (at most 100,000), in whole fill statements.
  const long state_rows = std::max<long>(500, std::min<long>(max_id, 100'000)) / 500 * 500;
  {
    auto conn = pool.Acquire();
    conn->Execute("DROP TABLE IF EXISTS bench_state");
    conn->Execute("CREATE TABLE bench_state (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, state VARBINARY(2048) NOT NULL) "
                  "ENGINE=InnoDB");
    auto& fill = conn->Prepare("INSERT INTO bench_state (id, state) VALUES " +
                               creditshare::storage::RowsOf("(?, ?)", 500));
    const std::string state(kStateBytes, 'x');
    for (long first = 1; first + 499 <= state_rows; first += 500) {
      for (unsigned i = 0; i < 500; ++i) {
        fill.setUInt64(2 * i + 1, static_cast<std::uint64_t>(first + i));
        fill.setString(2 * i + 2, state);
      }
      fill.executeUpdate();
    }
    conn->Execute("DROP TABLE IF EXISTS bench_append");
    conn->Execute("CREATE TABLE bench_append LIKE audit_log");
  }
  j["state_read"] = TimedRun(concurrency, duration_s, cpu_pids, [&](int t, Clock::time_point until) {
    std::mt19937_64 rng(static_cast<unsigned>(t) + 101);
    auto conn = pool.Acquire();
    auto& stmt = conn->Prepare("SELECT state FROM bench_state WHERE id = ?");
    long n = 0;
    for (; Clock::now() < until; ++n) {
      stmt.setUInt64(1, 1 + rng() % static_cast<unsigned long>(state_rows));
      std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
      if (!rs->next() || rs->getString(1).length() != kStateBytes) throw std::runtime_error("bench_state row missing");
    }
    return n;
  });
  j["state_read"]["row_bytes"] = kStateBytes;
  j["durable_append"] = TimedRun(concurrency, duration_s, cpu_pids, [&](int t, Clock::time_point until) {
    auto conn = pool.Acquire();
    auto& stmt = conn->Prepare(
        "INSERT INTO bench_append (at_us, principal, cert_fingerprint, method, purpose, consent_reference, "
        "borrower_key, result_code, request_id, latency_us, key_version) VALUES (?, ?, ?, 'GetBorrowerExposure', 1, ?, "
        "?, 0, ?, 900, 1)");
    const std::string fingerprint(64, 'f');
    long n = 0;
    while (Clock::now() < until) {
      const std::string id = std::to_string(t) + "-" + std::to_string(++n);
      stmt.setInt64(1, std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count());
      stmt.setString(2, "bank-" + std::to_string(t % 8 + 1));
      stmt.setString(3, fingerprint);
      stmt.setString(4, "consent-" + id);
      char key[33];
      std::snprintf(key, sizeof key, "%032ld", static_cast<long>(t) * 1'000'000'000L + n);
      stmt.setString(5, key);
      stmt.setString(6, "req-" + id);
      stmt.executeUpdate();  // autocommit: one durable commit per row
    }
    return n;
  });
  {
    auto conn = pool.Acquire();
    conn->Execute("DROP TABLE bench_state");
    conn->Execute("DROP TABLE bench_append");
  }

  // Multi-row INSERTs of 500 rows, each statement its own durable commit, from `concurrency` threads.
  std::atomic<long> inserted = 0;
  const auto insert_start = Clock::now();
  OnThreads(concurrency, [&](int t) {
    auto conn = pool.Acquire();
    auto& stmt = conn->Prepare(
        "INSERT INTO bench_insert (member_id, account_reference, borrower_id, credit_limit_minor, "
        "outstanding_balance_minor, as_of_date) VALUES " +
        creditshare::storage::RowsOf("(?, ?, ?, ?, ?, ?)", 500));
    long n = 0;
    while (inserted < insert_rows) {
      for (int i = 0; i < 500; ++i, ++n) {
        const unsigned base = static_cast<unsigned>(i) * 6;
        stmt.setInt64(base + 1, t);
        stmt.setString(base + 2, "R" + std::to_string(n));
        stmt.setInt64(base + 3, n % 100000);
        stmt.setInt64(base + 4, 1000000);
        stmt.setInt64(base + 5, 5000);
        stmt.setString(base + 6, "2026-10-31");
      }
      stmt.executeUpdate();
      inserted += 500;
    }
  });
  const double insert_secs = std::chrono::duration<double>(Clock::now() - insert_start).count();
  pool.Acquire()->Execute("DROP TABLE bench_insert");

  // The five rows one bulk record writes (borrower, line, its month record, idempotency key, audit
  // record) into copies of those tables with the same indexes (CREATE TABLE ... LIKE copies no
  // foreign keys), 100 records per transaction of five multi-row INSERTs: ingest with no reads, no
  // decisions and no locks, i.e. what the bulk path could at best approach.
  const std::vector<std::string> record_tables = {"borrowers", "credit_lines", "credit_line_months",
                                                  "idempotency_keys", "audit_log"};
  {
    auto conn = pool.Acquire();
    for (const auto& t : record_tables) {
      conn->Execute("DROP TABLE IF EXISTS bench_" + t);
      conn->Execute("CREATE TABLE bench_" + t + " LIKE " + t);
    }
  }
  constexpr int kRecordsPerTransaction = 100;
  const long record_target = std::max<long>(insert_rows / 2, kRecordsPerTransaction);
  std::atomic<long> records = 0;
  const auto record_start = Clock::now();
  OnThreads(concurrency, [&](int t) {
    auto conn = pool.Acquire();
    auto rows = [](const std::string& row) { return creditshare::storage::RowsOf(row, kRecordsPerTransaction); };
    auto& borrowers = conn->Prepare("INSERT INTO bench_borrowers (borrower_key, region_code, birth_year) VALUES " +
                                    rows("(?, '120101', 1980)"));
    auto& lines = conn->Prepare(
        "INSERT INTO bench_credit_lines (public_id, member_id, account_reference, borrower_id, product_type, "
        "currency, credit_limit_minor, outstanding_balance_minor, opened_date, status, days_past_due, "
        "overdue_amount_minor, as_of_date, version, ledger_months) VALUES " +
        rows("(?, ?, ?, ?, 1, 'CNY', 1000000, 5000, '2024-01-15', 1, 0, 0, '2026-10-31', 1, '20261031N-')"));
    auto& months = conn->Prepare(
        "INSERT INTO bench_credit_line_months (line_id, month, status_code, credit_limit_minor, classification, "
        "outstanding_balance_minor, days_past_due, overdue_amount_minor, scheduled_payment_minor, "
        "actual_payment_minor, as_of_date, corrected, line_status) VALUES " +
        rows("(?, '2026-10-01', 'N', 1000000, 1, 5000, 0, 0, 0, 0, '2026-10-31', 0, 1)"));
    auto& keys = conn->Prepare(
        "INSERT INTO bench_idempotency_keys (member_id, request_id, method, request_fingerprint, response) VALUES " +
        rows("(?, ?, 'BulkReportCreditLines', ?, 'created')"));
    auto& audit = conn->Prepare(
        "INSERT INTO bench_audit_log (at_us, principal, method, borrower_key, result_code, request_id, latency_us) "
        "VALUES " +
        rows("(?, 'bench', 'BulkReportCreditLines', ?, 0, ?, 0)"));
    long n = static_cast<long>(t) * 1'000'000'000L;
    while (records < record_target) {
      for (int i = 0; i < kRecordsPerTransaction; ++i, ++n) {
        char key[33];
        std::snprintf(key, sizeof key, "%032ld", n);
        const auto id = std::to_string(n);
        borrowers.setString(i + 1, key);
        lines.setString(4 * i + 1, "b" + id);
        lines.setInt64(4 * i + 2, t + 1);
        lines.setString(4 * i + 3, "R" + id);
        lines.setInt64(4 * i + 4, n);
        months.setInt64(i + 1, n);
        keys.setInt64(3 * i + 1, t + 1);
        keys.setString(3 * i + 2, "q" + id);
        keys.setString(3 * i + 3, key);
        audit.setInt64(3 * i + 1, n);
        audit.setString(3 * i + 2, key);
        audit.setString(3 * i + 3, "q" + id);
      }
      conn->Execute("START TRANSACTION");
      for (auto* stmt : {&borrowers, &lines, &months, &keys, &audit}) stmt->executeUpdate();
      conn->raw().commit();
      records += kRecordsPerTransaction;
    }
  });
  const double record_secs = std::chrono::duration<double>(Clock::now() - record_start).count();
  {
    auto conn = pool.Acquire();
    for (const auto& t : record_tables) conn->Execute("DROP TABLE bench_" + t);
  }
  j["multirow_insert_rows_per_second"] = static_cast<double>(inserted) / insert_secs;
  j["record_rows_insert_records_per_second"] = static_cast<double>(records) / record_secs;
  std::ofstream(json_out, std::ios::app) << j.dump() << "\n";
  std::cout << j.dump() << std::endl;
  return 0;
}

// ---------------------------------------------------------------- the exposure call without gRPC
// What GetBorrowerExposure does once a request is parsed, with the service's own code and
// settings: parse and check the resident ID, key it, read the borrower snapshot through the
// pool, record the inquiry and its audit record through the group-commit writer (durable before
// the answer), compute the exposure. `concurrency` threads each keep one call going, like the
// closed-loop load. The gap between this and the load run is what gRPC, TLS, authentication and
// the protobuf mapping add; the gap between this and the echo baseline is the database's share.
int InProcessExposure(const creditshare::storage::DbConfig& db, const std::string& hmac_key_file,
                      const std::string& ids_file, int concurrency, double duration_s, double warmup_s,
                      const std::string& label, const std::string& json_out,
                      const std::map<std::string, int>& cpu_pids, bool read_only) {
  namespace domain = creditshare::domain;
  namespace storage = creditshare::storage;
  const auto ids = ReadIds(ids_file);
  const auto keyer = creditshare::security::BorrowerKeyer::FromFile(hmac_key_file);
  const domain::SystemClock clock;
  storage::ConnectionPool pool(db);
  storage::MemberDirectory members;
  storage::GroupCommitWriter writer(db, {});  // the server's defaults
  storage::InquiryRepository inquiries(pool, members, writer);
  std::vector<std::pair<std::uint64_t, std::string>> lenders;  // id, code
  {
    auto conn = pool.Acquire();
    auto& stmt = conn->Prepare("SELECT id, code FROM members WHERE member_type <> ? ORDER BY id");
    stmt.setInt(1, static_cast<int>(domain::MemberType::kRegulator));
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) lenders.emplace_back(rs->getUInt64(1), rs->getString(2));
  }
  if (lenders.empty()) throw std::runtime_error("no lender members: onboard some first");

  std::atomic<bool> measuring = false, stop = false;
  std::vector<std::vector<double>> latencies_ms(static_cast<size_t>(concurrency));
  std::atomic<long> errors = 0, lines_shown = 0;
  auto run = [&](int t) {
    std::mt19937_64 rng(static_cast<unsigned>(t) + 101);
    auto& mine = latencies_ms[static_cast<size_t>(t)];
    long seq = 0;
    while (!stop) {
      const auto started = Clock::now();
      const auto& [member_id, member_code] = lenders[rng() % lenders.size()];
      const auto id = domain::ResidentId::Parse(ids[rng() % ids.size()], clock.Today(), "resident_id");
      if (!id.ok()) throw std::runtime_error("bad resident ID in " + ids_file + ": " + id.error().message);
      domain::AuditEvent audit;
      audit.at_us = clock.NowMicros();
      audit.principal = member_code;
      audit.method = "GetBorrowerExposure";
      audit.purpose = static_cast<int>(domain::Purpose::kLoanApproval);
      audit.consent_reference = "bench-consent";
      const auto borrower_key = keyer.BorrowerKey(id.value());
      audit.set_borrower(borrower_key);
      audit.request_id = "inproc-" + std::to_string(t) + "-" + std::to_string(++seq);
      const storage::InquiryRecord inquiry{borrower_key,    member_id,   domain::Purpose::kLoanApproval,
                                           audit.consent_reference, audit.method, audit.at_us, {}, {}};
      if (read_only) {  // the snapshot read alone: its share of the database's time per exposure
        auto s = storage::WithConnection(
            pool, [&](storage::Connection& conn) { return inquiries.ReadSnapshot(conn, borrower_key, member_id, audit.at_us); });
        lines_shown += static_cast<long>(s.lines.size());
        if (measuring) mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        continue;
      }
      auto snapshot = inquiries.Inquire(
          inquiry, [](const storage::BorrowerSnapshot&) -> domain::MaybeError { return std::nullopt; },
          [&] {
            audit.latency_us =
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
            return audit;
          });
      if (!snapshot.ok()) {
        ++errors;
        continue;
      }
      auto& s = snapshot.value();
      const auto exposure = domain::BuildExposure(std::move(s.lines), std::move(s.reservations), s.inquiries,
                                                  member_id, clock.Today());
      lines_shown += static_cast<long>(exposure.lines.size());
      if (measuring) mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
  };
  double seconds = 0;
  CpuSample cpu_from, cpu_to;
  // Thread `concurrency` keeps the time; a call that throws ends its thread, and OnThreads
  // rethrows once the others have been stopped.
  OnThreads(concurrency + 1, [&](int t) {
    if (t < concurrency) return run(t);
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));
    cpu_from = SampleCpu(cpu_pids);
    measuring = true;
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(duration_s));
    measuring = false;
    cpu_to = SampleCpu(cpu_pids);
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    stop = true;
  });

  std::vector<double> all;
  for (const auto& v : latencies_ms) all.insert(all.end(), v.begin(), v.end());
  json j{{"kind", "in-process"},
         {"label", label},
         {"read_only", read_only},
         {"concurrency", concurrency},
         {"ok", all.size()},
         {"errors", errors.load()},
         {"seconds", seconds},
         {"throughput", static_cast<double>(all.size()) / seconds},
         {"lines_per_call", static_cast<double>(lines_shown) / static_cast<double>(std::max<size_t>(1, all.size()))}};
  for (const auto& [name, p] : {std::pair{"p50_ms", 50.0}, {"p90_ms", 90.0}, {"p99_ms", 99.0}, {"p999_ms", 99.9}})
    j[name] = Percentile(all, p);
  AddCpu(j, cpu_from, cpu_to, static_cast<double>(all.size()));
  std::ofstream(json_out, std::ios::app) << j.dump() << "\n";
  std::cout << j.dump() << std::endl;
  return errors > 0 ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as creditshare-server does
  CLI::App app{"creditshare-bench: load generator, data generator and baselines; results are JSON lines."};
  app.require_subcommand(1);
  std::string target = "127.0.0.1:7443", ca, members, ids = "bench-ids.txt", json_out = "bench-results.jsonl";
  Tls tls;
  auto* echo = app.add_subcommand("echo-server", "Serve the echo baseline");
  std::string listen = "127.0.0.1:7444";
  int max_threads = 32;
  echo->add_option("--listen", listen)->capture_default_str();
  echo->add_option("--ca", tls.ca, "CA of client certificates")->required();
  echo->add_option("--cert", tls.cert, "Server certificate")->required();
  echo->add_option("--key", tls.key, "Server key")->required();
  echo->add_option("--max-threads", max_threads)->capture_default_str();

  auto* ingest = app.add_subcommand("ingest", "Generate borrowers and stream their lines through the bulk API");
  long borrowers = 10000;
  unsigned seed = 1;
  for (auto* cmd : {ingest}) {
    cmd->add_option("--target", target)->capture_default_str();
    cmd->add_option("--ca", ca)->required();
    cmd->add_option("--members", members, "File: one 'code cert key' per line")->required();
    cmd->add_option("--ids", ids, "Where the generated resident IDs go")->capture_default_str();
    cmd->add_option("--json", json_out)->capture_default_str();
  }
  ingest->add_option("--borrowers", borrowers)->capture_default_str();
  ingest->add_option("--seed", seed)->capture_default_str();

  auto* load = app.add_subcommand("load", "Closed-loop (--concurrency) or open-loop (--rate) load");
  std::string method = "exposure", label = "run";
  int concurrency = 16;
  double duration = 10, rate = 0;
  load->add_option("--target", target)->capture_default_str();
  load->add_option("--ca", ca)->required();
  load->add_option("--members", members)->required();
  load->add_option("--ids", ids)->capture_default_str();
  load->add_option("--json", json_out)->capture_default_str();
  load->add_option("--method", method, "exposure, check, report, mix, echo")
      ->check(CLI::IsMember({"exposure", "check", "report", "mix", "echo"}))->capture_default_str();
  load->add_option("--concurrency", concurrency)->capture_default_str();
  load->add_option("--duration", duration, "Seconds")->capture_default_str();
  double warmup = 1;
  load->add_option("--warmup", warmup, "Seconds of load before measuring")->capture_default_str();
  load->add_option("--rate", rate, "Calls per second (open loop); 0 = closed loop")->capture_default_str();
  load->add_option("--label", label)->capture_default_str();
  Burst burst;
  load->add_option("--burst-rate", burst.rate, "Open loop: calls per second during a burst (0: none)")->capture_default_str();
  load->add_option("--burst-at", burst.at, "Seconds into the measured window the burst starts")->capture_default_str();
  load->add_option("--burst-seconds", burst.seconds, "How long the burst lasts")->capture_default_str();
  int client_threads = 1;
  load->add_option("--client-threads", client_threads, "Completion-queue threads of the closed loop")
      ->check(CLI::Range(1, 64))->capture_default_str();
  bool watch = false;
  std::string timeline_out;
  load->add_option("--timeline", timeline_out, "Write per-100 ms latency buckets (by due time) to this file");
  load->add_flag("--watch", watch, "Every member follows its alerts meanwhile; reports commit-to-client delays");

  auto* dbb = app.add_subcommand("db-baseline", "Raw point SELECTs and multi-row INSERTs through Connector/C++");
  auto* inproc = app.add_subcommand(
      "in-process", "The exposure call's work without gRPC, through the service's own domain and storage code");
  creditshare::storage::DbConfig db;
  std::string password_file, hmac_key_file;
  long insert_rows = 100000;
  std::string cpu_pids_spec;
  load->add_option("--cpu-pids", cpu_pids_spec, "name=PID,...: processes whose CPU per call is reported");
  for (auto* cmd : {dbb, inproc}) {
    cmd->add_option("--db-host", db.host)->envname("CREDITSHARE_DB_HOST");
    cmd->add_option("--db-port", db.port)->envname("CREDITSHARE_DB_PORT");
    cmd->add_option("--db-user", db.user)->envname("CREDITSHARE_DB_USER");
    cmd->add_option("--db-password-file", password_file)->envname("CREDITSHARE_DB_PASSWORD_FILE");
    cmd->add_option("--db-name", db.database)->envname("CREDITSHARE_DB_NAME");
    cmd->add_option("--concurrency", concurrency)->capture_default_str();
    cmd->add_option("--duration", duration, "Seconds")->capture_default_str();
    cmd->add_option("--json", json_out)->capture_default_str();
    cmd->add_option("--cpu-pids", cpu_pids_spec, "name=PID,...: processes whose CPU per call is reported");
  }
  dbb->add_option("--insert-rows", insert_rows)->capture_default_str();
  inproc->add_option("--hmac-key-file", hmac_key_file, "The server's borrower-ID key")->required();
  inproc->add_option("--ids", ids)->capture_default_str();
  inproc->add_option("--warmup", warmup, "Seconds of load before measuring")->capture_default_str();
  int pool_size = 16;
  std::string inproc_label = "exposure-in-process";
  inproc->add_option("--label", inproc_label)->capture_default_str();
  inproc->add_option("--db-pool-size", pool_size, "As the server's --db-pool-size")->capture_default_str();
  bool read_only = false;
  inproc->add_flag("--read-only", read_only, "Only the snapshot read: no inquiry or audit record is written");

  CLI11_PARSE(app, argc, argv);
  try {
    if (echo->parsed()) return EchoServer(listen, tls, max_threads);
    if (ingest->parsed()) return Ingest(target, ca, members, borrowers, ids, json_out, seed);
    if (load->parsed())
      return Load(target, ca, members, ids, method, concurrency, client_threads, duration, warmup, rate, label, json_out,
                  burst, watch, ParsePids(cpu_pids_spec), timeline_out);
    if (dbb->parsed() || inproc->parsed()) {
      std::string pw = ReadFile(password_file);
      while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
      db.password = pw;
      if (inproc->parsed()) {
        db.pool_size = pool_size;
        return InProcessExposure(db, hmac_key_file, ids, concurrency, duration, warmup, inproc_label, json_out,
                                 ParsePids(cpu_pids_spec), read_only);
      }
      db.pool_size = concurrency;
      return DbBaseline(db, concurrency, duration, insert_rows, json_out, ParsePids(cpu_pids_spec));
    }
  } catch (const std::exception& e) {
    std::cerr << "creditshare-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
