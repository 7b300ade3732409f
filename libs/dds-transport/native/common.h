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

/**
 * Listener state of one reader or writer. DDS threads only update it and ring a coalesced
 * ThreadSafeFunction doorbell; the JS thread drains it. Shared between the entity record and the
 * tsfn finalizer so that neither side can free it under the other.
 */
class ListenerState {
 public:
  ListenerState() = default;
  ListenerState(const ListenerState&) = delete;
  ListenerState& operator=(const ListenerState&) = delete;
  ~ListenerState();

  static std::shared_ptr<ListenerState> Create(Napi::Env env, Napi::Function cb, bool isReader);
  dds_listener_t* Listener() const { return listener_; }
  /** Called on the JS thread once the entity is deleted (so no DDS callback can run any more). */
  void Shutdown();
  void SetRef(Napi::Env env, bool ref);
  /** Returns the accumulated status for one bit and resets its change counters. */
  Napi::Object TakeStatus(Napi::Env env, uint32_t bit);

  void Ring(uint32_t bits);
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
  static void CallJs(napi_env env, napi_value cb, void* context, void* data);
  static void Finalize(napi_env env, void* data, void* hint);
  napi_threadsafe_function tsfn_ = nullptr;
  bool released_ = false;  // JS thread only
  bool usable_ = false;    // guarded by mu: tsfn neither released nor finalized
  std::atomic<uint32_t> pending_{0};
  std::atomic<bool> rung_{false};
  dds_listener_t* listener_ = nullptr;
};

/** One DDS entity created by this environment. */
struct Record {
  dds_entity_t parent = 0;
  dds_entity_t ownDomain = 0;       // domain created for a participant with an explicit config
  dds_domainid_t domainId = 0;      // the id of ownDomain
  std::shared_ptr<TopicType> type;  // topics, and writers/readers (their topic's type)
  std::shared_ptr<ListenerState> listener;
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
