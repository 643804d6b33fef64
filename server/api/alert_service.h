#pragma once

#include <atomic>
#include <chrono>

#include "api/alert_feed.h"
#include "api/call_guard.h"
#include "creditshare/v1/alert_service.grpc.pb.h"
#include "storage/alert_repository.h"

namespace creditshare::api {

using RawAlertService = v1::AlertService::WithRawCallbackMethod_WatchAlerts<
    v1::AlertService::WithRawCallbackMethod_ListAlerts<v1::AlertService::WithRawCallbackMethod_GetAlertSettings<
        v1::AlertService::WithRawCallbackMethod_UpdateAlertSettings<v1::AlertService::Service>>>>;

struct AlertServiceOptions {
  // A watcher with nothing to send gets a message with its cursor this often.
  std::chrono::milliseconds heartbeat{30000};
  // A watcher that has been behind the feed (reading full batches) for this long is ended with
  // ABORTED, to resume from its cursor: it holds a stream thread and does not keep up.
  std::chrono::milliseconds max_lag{60000};
  int batch = 100;  // alerts per WatchAlerts message
};

class AlertServiceImpl final : public RawAlertService {
 public:
  AlertServiceImpl(CallGuard& guard, storage::AlertRepository& alerts, AlertFeed& feed, metrics::Metrics& metrics,
                   const domain::Clock& clock, const std::atomic<bool>* draining, AlertServiceOptions options)
      : guard_(guard),
        alerts_(alerts),
        feed_(feed),
        metrics_(metrics),
        clock_(clock),
        draining_(draining),
        options_(options) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchAlerts(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* raw_request) override;
  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                       grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* GetAlertSettings(grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
                                             grpc::ByteBuffer* raw_response) override;
  grpc::ServerUnaryReactor* UpdateAlertSettings(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* raw_request,
                                                grpc::ByteBuffer* raw_response) override;

 private:
  // Counts delivered alerts and their delay from commit.
  void Delivered(const std::vector<domain::Alert>& alerts);

  CallGuard& guard_;
  storage::AlertRepository& alerts_;
  AlertFeed& feed_;
  metrics::Metrics& metrics_;
  const domain::Clock& clock_;
  const std::atomic<bool>* draining_;
  const AlertServiceOptions options_;
  std::atomic<int> streams_{0};
};

}  // namespace creditshare::api
