#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace creditshare::api {

// Parses a raw request; false when the bytes are not a valid message of that type.
template <typename Message>
bool ParseMessage(const grpc::ByteBuffer& raw, Message* out) {
  grpc::ByteBuffer copy(raw);  // shares the slices; the reader consumes its own buffer
  grpc::ProtoBufferReader reader(&copy);
  return out->ParseFromZeroCopyStream(&reader) && reader.status().ok();
}

template <typename Message>
grpc::ByteBuffer SerializeMessage(const Message& message) {
  grpc::ByteBuffer out;
  bool own = false;
  (void)grpc::SerializationTraits<Message>::Serialize(message, &out, &own);
  return out;
}

// The reactor of a streaming call whose handler runs on a thread of its own: Write (and Read,
// for bidi streams) block that thread, never gRPC's. The handler ends the call with End, its
// last touch of the reactor; gRPC then deletes it.
template <typename Reactor>
class BlockingStream : public Reactor {
 public:
  explicit BlockingStream(grpc::CallbackServerContext* context, std::chrono::milliseconds write_timeout)
      : context_(context), write_timeout_(write_timeout) {}

  // False when the client is gone or the call was cancelled. A client that takes no answer for
  // the write timeout (it stopped reading) has its call cancelled: it holds a stream thread.
  bool Write(const grpc::ByteBuffer& message) {
    if (before_first_write_) {
      // May throw (the database cannot take the record): then nothing is written.
      auto hook = std::move(before_first_write_);
      before_first_write_ = nullptr;
      hook();
    }
    std::unique_lock lock(mu_);
    if (cancelled_) return false;
    write_buffer_ = message;
    write_done_ = false;
    lock.unlock();
    this->StartWrite(&write_buffer_);
    lock.lock();
    if (!done_cv_.wait_for(lock, write_timeout_, [this] { return write_done_; })) {
      slow_reader_ = true;
      context_->TryCancel();
      done_cv_.wait(lock, [this] { return write_done_; });
    }
    return write_ok_;
  }
  // Runs once, on the handler's thread, before the first message goes out.
  void BeforeFirstWrite(std::function<void()> hook) { before_first_write_ = std::move(hook); }

  // True when a write timed out and the call was cancelled for it.
  bool slow_reader() const {
    std::lock_guard lock(mu_);
    return slow_reader_;
  }
  template <typename Message>
  bool WriteMessage(const Message& message) {
    return Write(SerializeMessage(message));
  }

  void End(const grpc::Status& status) { this->Finish(status); }

  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

 protected:
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    write_ok_ = ok;
    write_done_ = true;
    done_cv_.notify_all();
  }
  void OnCancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    done_cv_.notify_all();
  }
  void OnDone() override { delete this; }

  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  bool cancelled_ = false;

 private:
  grpc::CallbackServerContext* const context_;
  const std::chrono::milliseconds write_timeout_;
  std::function<void()> before_first_write_;  // only the handler's thread touches it
  bool slow_reader_ = false;
  grpc::ByteBuffer write_buffer_;
  bool write_done_ = false;
  bool write_ok_ = false;
};

using ServerStream = BlockingStream<grpc::ServerWriteReactor<grpc::ByteBuffer>>;

class BidiStream final : public BlockingStream<grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>> {
 public:
  using BlockingStream::BlockingStream;
  enum class ReadResult {
    kMessage,  // *out holds the next message
    kEnd,      // the client half-closed, went away or the call was cancelled
    kTimeout,  // nothing came by `until`; the read stays pending, the next Read waits on
    kStopped,  // `*stop` became true (the server drains)
  };

  ReadResult Read(grpc::ByteBuffer* out, std::chrono::steady_clock::time_point until, const std::atomic<bool>* stop) {
    std::unique_lock lock(mu_);
    if (!read_pending_ && !read_ended_) {
      read_pending_ = true;
      read_done_ = false;
      lock.unlock();
      StartRead(&read_buffer_);
      lock.lock();
    }
    // Wakes at least every 100 ms to notice `stop`, which nothing signals.
    for (;;) {
      if (read_done_) break;
      if (stop != nullptr && stop->load()) return ReadResult::kStopped;
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return ReadResult::kTimeout;
      done_cv_.wait_until(lock, std::min(until, now + std::chrono::milliseconds(100)));
    }
    read_pending_ = false;
    if (!read_ok_) {
      read_ended_ = true;
      return ReadResult::kEnd;
    }
    out->Swap(&read_buffer_);
    read_buffer_.Clear();
    return ReadResult::kMessage;
  }

 private:
  void OnReadDone(bool ok) override {
    std::lock_guard lock(mu_);
    read_ok_ = ok;
    read_done_ = true;
    done_cv_.notify_all();
  }

  grpc::ByteBuffer read_buffer_;
  bool read_pending_ = false;
  bool read_done_ = false;
  bool read_ok_ = false;
  bool read_ended_ = false;
};

}  // namespace creditshare::api
