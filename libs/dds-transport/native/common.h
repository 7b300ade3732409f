// Shared declarations of the dds_transport addon. The addon is deliberately small: entities are
// plain DDS handles, samples cross the boundary only as CDR bytes, and all argument checking is
// done in TypeScript before any function here is called.
#pragma once

#include <dds/dds.h>
#include <dds/ddsi/ddsi_serdata.h>
#include <dds/ddsi/ddsi_serdata_default.h>
#include <dds/ddsi/ddsi_sertype.h>
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ddsjs {

/** Throws a JS Error carrying `code` (the DDS return code) and `codeName` (DDS_RETCODE_*). */
[[noreturn]] void ThrowDds(Napi::Env env, dds_return_t rc, const std::string& what);
// As ThrowDds, with a sentence for the user (the error's `detail`) on why and what to do.
[[noreturn]] void ThrowDds(Napi::Env env, dds_return_t rc, const std::string& what,
                           const std::string& detail);
/** Name of a DDS return code, e.g. `DDS_RETCODE_TIMEOUT`. */
const char* RetcodeName(dds_return_t rc);
/** Kebab-case name of a QoS policy id, e.g. `durability`. */
const char* PolicyName(uint32_t id);

/** Milliseconds (Infinity allowed) to a DDS duration. */
dds_duration_t MsToDuration(double ms);

struct QosDeleter {
  void operator()(dds_qos_t* q) const { dds_delete_qos(q); }
};
using QosPtr = std::unique_ptr<dds_qos_t, QosDeleter>;

/** Builds a QoS from the plain object the TS layer validated; null/undefined gives nullptr. */
QosPtr QosFromJs(Napi::Env env, Napi::Value v);

/**
 * Everything a topic needs to outlive its creation call: the descriptor handed to Cyclone plus a
 * private, never-registered `ddsi_sertype_default` used only as a type program for key extraction.
 */
class TopicType {
 public:
  TopicType(const TopicType&) = delete;
  TopicType& operator=(const TopicType&) = delete;
  ~TopicType();
  static std::shared_ptr<TopicType> FromJs(Napi::Env env, Napi::Object desc);
  const dds_topic_descriptor_t* Descriptor() const { return desc_.get(); }
  /**
   * Key-only CDR (with encapsulation header) of a full sample; false if the sample does not
   * decode against the type.
   */
  bool ExtractKey(const uint8_t* data, size_t size, std::vector<uint8_t>& out) const;
  bool Keyless() const { return keys_.empty(); }

 private:
  TopicType() = default;
  std::string typeName_;
  std::vector<std::string> keyNames_;
  std::vector<dds_key_descriptor_t> keys_;
  std::vector<uint32_t> ops_;
  std::vector<uint8_t> typeInfo_, typeMap_;
  std::unique_ptr<dds_topic_descriptor_t> desc_;
  std::vector<ddsi_sertype_default_desc_key_t> stKeys_;
  ddsi_sertype_default st_{};
};

/** Write-path operations; the statusinfo Cyclone puts on the wire follows from them. */
enum class WriteOp : int { Write = 0, WriteDispose = 1, Dispose = 2, Unregister = 3 };

/**
 * Writes a CDR payload through a stack-allocated carrier serdata (no allocation of ours), with
 * `timestamp` as the source timestamp (ns since the epoch).
 */
dds_return_t WriteCdr(dds_entity_t writer, const TopicType& type, WriteOp op, const uint8_t* data,
                      size_t size, dds_time_t timestamp, bool* typeError);

/** Status bits the doorbell reports (one per listener kind). */
enum StatusBit : uint32_t {
  kDataAvailable = 1u << 0,
  kPublicationMatched = 1u << 1,
  kSubscriptionMatched = 1u << 2,
  kLivelinessLost = 1u << 3,
  kLivelinessChanged = 1u << 4,
  kOfferedDeadlineMissed = 1u << 5,
  kRequestedDeadlineMissed = 1u << 6,
  kOfferedIncompatibleQos = 1u << 7,
  kRequestedIncompatibleQos = 1u << 8,
  kSampleLost = 1u << 9,
  kSampleRejected = 1u << 10,
};

struct DdsListenerDeleter {
  void operator()(dds_listener_t* l) const { dds_delete_listener(l); }
};

class ListenerState;
/** Runs on the JS thread for each doorbell ring; see listener.cc. */
void RingJs(Napi::Env env, Napi::Function cb, ListenerState* state, void* unused);
using Doorbell = Napi::TypedThreadSafeFunction<ListenerState, void, RingJs>;

/**
 * The JS side's owner of a ListenerState: dropping it (entity deleted, creation failed, record
 * erased) releases the doorbell. Delete the entity first, so that no DDS thread can still ring.
 */
class OwnedListener {
 public:
  OwnedListener() = default;
  explicit OwnedListener(std::shared_ptr<ListenerState> st) : st_(std::move(st)) {}
  OwnedListener(const OwnedListener&) = delete;
  OwnedListener& operator=(const OwnedListener&) = delete;
  OwnedListener(OwnedListener&& o) noexcept = default;
  OwnedListener& operator=(OwnedListener&& o) noexcept;
  ~OwnedListener() { Reset(); }
  void Reset();
  ListenerState* operator->() const { return st_.get(); }
  ListenerState* Get() const { return st_.get(); }
  explicit operator bool() const { return st_ != nullptr; }

 private:
  std::shared_ptr<ListenerState> st_;
};

/**
 * Listener state of one reader or writer. DDS threads only update it and ring a coalesced
 * ThreadSafeFunction doorbell; the JS thread drains it. Shared between its OwnedListener and the
 * doorbell's finalizer so that neither side can free it under the other.
 */
class ListenerState {
 public:
  ListenerState() = default;
  ListenerState(const ListenerState&) = delete;
  ListenerState& operator=(const ListenerState&) = delete;
  ~ListenerState() = default;

  static OwnedListener Create(Napi::Env env, Napi::Function cb, bool isReader);
  dds_listener_t* DdsListener() const { return listener_.get(); }
  /** Called on the JS thread once the entity is deleted (so no DDS callback can run any more). */
  void Shutdown();
  void SetRef(Napi::Env env, bool ref);
  /** Returns the accumulated status for one bit and resets its change counters. */
  Napi::Object TakeStatus(Napi::Env env, uint32_t bit);

  /** Any thread: records `bits` and rings the doorbell unless a ring is already queued. */
  void Ring(uint32_t bits);
  /** JS thread: the bits rung since the last drain; re-arms the doorbell. */
  uint32_t Drain();

  std::mutex mu;
  dds_publication_matched_status_t pubMatched{};
  dds_subscription_matched_status_t subMatched{};
  dds_liveliness_lost_status_t livLost{};
  dds_liveliness_changed_status_t livChanged{};
  dds_offered_deadline_missed_status_t offDeadline{};
  dds_requested_deadline_missed_status_t reqDeadline{};
  dds_offered_incompatible_qos_status_t offIncompat{};
  dds_requested_incompatible_qos_status_t reqIncompat{};
  dds_sample_lost_status_t sampleLost{};
  dds_sample_rejected_status_t sampleRejected{};

 private:
  void Finalized(Napi::Env env);
  Doorbell tsfn_;  // guarded by mu; empty once finalized
  /** Releases the doorbell when the environment is torn down first; empty once run or removed. */
  Napi::Env::CleanupHook<void (*)(ListenerState*), ListenerState> teardown_;
  Napi::Env::CleanupHook<void (*)(ListenerState*), ListenerState> hook_;
  Napi::Env hookEnv_ = Napi::Env(nullptr);
  bool released_ = false;  // JS thread only
  bool usable_ = false;    // guarded by mu: tsfn neither released nor finalized
  std::atomic<uint32_t> pending_{0};
  std::atomic<bool> rung_{false};
  std::unique_ptr<dds_listener_t, DdsListenerDeleter> listener_;
};

/**
 * Owns a freshly created DDS entity until Release(), so that a throw between its creation and its
 * Record (a bad QoS, a failed child creation) deletes it instead of leaking it.
 */
class EntityGuard {
 public:
  explicit EntityGuard(dds_entity_t h = 0) : h_(h) {}
  EntityGuard(const EntityGuard&) = delete;
  EntityGuard& operator=(const EntityGuard&) = delete;
  ~EntityGuard() {
    if (h_ > 0) dds_delete(h_);
  }
  void Reset(dds_entity_t h) {
    if (h_ > 0) dds_delete(h_);
    h_ = h;
  }
  dds_entity_t Get() const { return h_; }
  dds_entity_t Release() {
    const dds_entity_t h = h_;
    h_ = 0;
    return h;
  }

 private:
  dds_entity_t h_;
};

/** One DDS entity created by this environment. */
struct Record {
  dds_entity_t parent = 0;
  dds_entity_t ownDomain = 0;       // domain created for a participant with an explicit config
  dds_domainid_t domainId = 0;      // the id of ownDomain
  std::shared_ptr<TopicType> type;  // topics, and writers/readers (their topic's type)
  OwnedListener listener;
  std::shared_ptr<std::atomic<bool>> cancelled;  // pending waitForAcks of a writer
  uint32_t builtin = 0;  // 1/3/4: reader of DCPSParticipant/Publication/Subscription
};

/** Per-environment (main thread or worker) instance data: the entities it owns. */
class AddonData {
 public:
  AddonData() = default;
  AddonData(const AddonData&) = delete;
  AddonData& operator=(const AddonData&) = delete;
  ~AddonData();
  std::unordered_map<dds_entity_t, Record> records;
  /** Deletes an entity and forgets it and all its descendants. */
  dds_return_t Delete(dds_entity_t h);
};

AddonData& Data(Napi::Env env);
Record& Lookup(Napi::Env env, dds_entity_t h);

void InitEntities(Napi::Env env, Napi::Object exports);

}  // namespace ddsjs
