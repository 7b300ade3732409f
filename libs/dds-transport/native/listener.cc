// Listener plumbing. Cyclone calls these functions on its own threads; they touch only the
// ListenerState (a mutex-guarded copy of the status and an atomic bit set) and ring the
// doorbell at most once until JS has drained it.
#include "common.h"

namespace ddsjs {
namespace {

template <typename S>
void Accumulate(S& acc, const S& s) {
  int32_t change = acc.total_count_change + s.total_count_change;
  acc = s;
  acc.total_count_change = change;
}

ListenerState* St(void* arg) { return static_cast<ListenerState*>(arg); }

void OnData(dds_entity_t, void* arg) { St(arg)->Ring(kDataAvailable); }

void OnPubMatched(dds_entity_t, const dds_publication_matched_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    auto& acc = St(arg)->pubMatched;
    int32_t cc = acc.current_count_change + s.current_count_change;
    Accumulate(acc, s);
    acc.current_count_change = cc;
  }
  St(arg)->Ring(kPublicationMatched);
}

void OnSubMatched(dds_entity_t, const dds_subscription_matched_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    auto& acc = St(arg)->subMatched;
    int32_t cc = acc.current_count_change + s.current_count_change;
    Accumulate(acc, s);
    acc.current_count_change = cc;
  }
  St(arg)->Ring(kSubscriptionMatched);
}

void OnLivLost(dds_entity_t, const dds_liveliness_lost_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->livLost, s);
  }
  St(arg)->Ring(kLivelinessLost);
}

void OnLivChanged(dds_entity_t, const dds_liveliness_changed_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    auto& acc = St(arg)->livChanged;
    int32_t a = acc.alive_count_change + s.alive_count_change;
    int32_t n = acc.not_alive_count_change + s.not_alive_count_change;
    acc = s;
    acc.alive_count_change = a;
    acc.not_alive_count_change = n;
  }
  St(arg)->Ring(kLivelinessChanged);
}

void OnOffDeadline(dds_entity_t, const dds_offered_deadline_missed_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->offDeadline, s);
  }
  St(arg)->Ring(kOfferedDeadlineMissed);
}

void OnReqDeadline(dds_entity_t, const dds_requested_deadline_missed_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->reqDeadline, s);
  }
  St(arg)->Ring(kRequestedDeadlineMissed);
}

void OnOffIncompat(dds_entity_t, const dds_offered_incompatible_qos_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->offIncompat, s);
  }
  St(arg)->Ring(kOfferedIncompatibleQos);
}

void OnReqIncompat(dds_entity_t, const dds_requested_incompatible_qos_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->reqIncompat, s);
  }
  St(arg)->Ring(kRequestedIncompatibleQos);
}

void OnSampleLost(dds_entity_t, const dds_sample_lost_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->sampleLost, s);
  }
  St(arg)->Ring(kSampleLost);
}

void OnSampleRejected(dds_entity_t, const dds_sample_rejected_status_t s, void* arg) {
  {
    std::lock_guard<std::mutex> lk(St(arg)->mu);
    Accumulate(St(arg)->sampleRejected, s);
  }
  St(arg)->Ring(kSampleRejected);
}

Napi::BigInt Handle(Napi::Env env, dds_instance_handle_t h) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(h));
}

const char* RejectReason(dds_sample_rejected_status_kind k) {
  switch (k) {
    case DDS_REJECTED_BY_INSTANCES_LIMIT:
      return "instances-limit";
    case DDS_REJECTED_BY_SAMPLES_LIMIT:
      return "samples-limit";
    case DDS_REJECTED_BY_SAMPLES_PER_INSTANCE_LIMIT:
      return "samples-per-instance-limit";
    default:
      return "not-rejected";
  }
}

}  // namespace

OwnedListener& OwnedListener::operator=(OwnedListener&& o) noexcept {
  if (this != &o) {
    Reset();
    st_ = std::move(o.st_);
  }
  return *this;
}

void OwnedListener::Reset() {
  if (st_) st_->Shutdown();
  st_.reset();
}

OwnedListener ListenerState::Create(Napi::Env env, Napi::Function cb, bool isReader) {
  auto st = std::make_shared<ListenerState>();
  st->listener_.reset(dds_create_listener(st.get()));
  dds_listener_t* l = st->listener_.get();
  if (isReader) {
    dds_lset_data_available(l, OnData);
    dds_lset_subscription_matched(l, OnSubMatched);
    dds_lset_liveliness_changed(l, OnLivChanged);
    dds_lset_requested_deadline_missed(l, OnReqDeadline);
    dds_lset_requested_incompatible_qos(l, OnReqIncompat);
    dds_lset_sample_lost(l, OnSampleLost);
    dds_lset_sample_rejected(l, OnSampleRejected);
  } else {
    dds_lset_publication_matched(l, OnPubMatched);
    dds_lset_liveliness_lost(l, OnLivLost);
    dds_lset_offered_deadline_missed(l, OnOffDeadline);
    dds_lset_offered_incompatible_qos(l, OnOffIncompat);
  }
  // The finalizer's copy of `st` keeps the state alive while a ring may still be queued; Node
  // destroys the finalizer (and with it that copy) once the released doorbell is drained. If New
  // throws, node-addon-api destroys it at once.
  st->tsfn_ = Doorbell::New(
      env, cb, "dds-transport:listener", 0, 1, st.get(),
      [keep = st](Napi::Env env, void*, ListenerState* self) { self->Finalized(env); });
  st->usable_ = true;
  // Registered after the doorbell, so it runs before Node's own teardown of it (hooks run in
  // reverse): a doorbell Node closes unreleased (a worker terminated with open entities) is
  // finalized but never freed. The entities themselves go later, with the AddonData.
  st->teardown_ = env.AddCleanupHook(
      +[](ListenerState* self) {
        self->teardown_ = {};  // node-addon-api frees the hook's data after this call
        self->Shutdown();
      },
      st.get());
  // Unreferenced until the TS layer has listeners or iterators that want the process kept alive.
  st->tsfn_.Unref(env);
  return OwnedListener(std::move(st));
}

void ListenerState::Ring(uint32_t bits) {
  pending_.fetch_or(bits, std::memory_order_release);
  if (rung_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard<std::mutex> lk(mu);
  if (usable_) tsfn_.NonBlockingCall();
}

uint32_t ListenerState::Drain() {
  // Clear the flag before draining: a DDS thread that sets bits after the exchange rings again.
  rung_.store(false, std::memory_order_release);
  return pending_.exchange(0, std::memory_order_acq_rel);
}

void RingJs(Napi::Env env, Napi::Function cb, ListenerState* state, void*) {
  const uint32_t bits = state->Drain();
  // No env or callback: the doorbell is being torn down with a ring still queued.
  if (env == nullptr || cb.IsEmpty() || bits == 0) return;
  try {
    cb.Call({Napi::Number::New(env, bits)});
  } catch (const Napi::Error& e) {
    // A throwing doorbell is the application's uncaught exception, as for any event emitter.
    // Left pending (node-addon-api's default), Node-API 8 would drop it with a warning; there is
    // no node-addon-api wrapper for this one call.
    napi_fatal_exception(env, e.Value());
  }
}

void ListenerState::Finalized(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lk(mu);
    usable_ = false;
    tsfn_ = Doorbell();
  }
  if (!teardown_.IsEmpty()) teardown_.Remove(env);
}

void ListenerState::Shutdown() {
  Doorbell t;
  {
    std::lock_guard<std::mutex> lk(mu);
    usable_ = false;
    t = tsfn_;
  }
  if (t != nullptr && !released_) {
    released_ = true;
    t.Release();
  }
}

void ListenerState::SetRef(Napi::Env env, bool ref) {
  std::lock_guard<std::mutex> lk(mu);
  if (tsfn_ == nullptr || released_) return;
  if (ref)
    tsfn_.Ref(env);
  else
    tsfn_.Unref(env);
}

Napi::Object ListenerState::TakeStatus(Napi::Env env, uint32_t bit) {
  std::lock_guard<std::mutex> lk(mu);
  Napi::Object o = Napi::Object::New(env);
  auto counts = [&](auto& s) {
    o.Set("totalCount", s.total_count);
    o.Set("totalCountChange", s.total_count_change);
    s.total_count_change = 0;
  };
  switch (bit) {
    case kPublicationMatched:
      counts(pubMatched);
      o.Set("currentCount", pubMatched.current_count);
      o.Set("currentCountChange", pubMatched.current_count_change);
      o.Set("lastSubscriptionHandle", Handle(env, pubMatched.last_subscription_handle));
      pubMatched.current_count_change = 0;
      break;
    case kSubscriptionMatched:
      counts(subMatched);
      o.Set("currentCount", subMatched.current_count);
      o.Set("currentCountChange", subMatched.current_count_change);
      o.Set("lastPublicationHandle", Handle(env, subMatched.last_publication_handle));
      subMatched.current_count_change = 0;
      break;
    case kLivelinessLost:
      counts(livLost);
      break;
    case kLivelinessChanged:
      o.Set("aliveCount", livChanged.alive_count);
      o.Set("notAliveCount", livChanged.not_alive_count);
      o.Set("aliveCountChange", livChanged.alive_count_change);
      o.Set("notAliveCountChange", livChanged.not_alive_count_change);
      o.Set("lastPublicationHandle", Handle(env, livChanged.last_publication_handle));
      livChanged.alive_count_change = 0;
      livChanged.not_alive_count_change = 0;
      break;
    case kOfferedDeadlineMissed:
      counts(offDeadline);
      o.Set("lastInstanceHandle", Handle(env, offDeadline.last_instance_handle));
      break;
    case kRequestedDeadlineMissed:
      counts(reqDeadline);
      o.Set("lastInstanceHandle", Handle(env, reqDeadline.last_instance_handle));
      break;
    case kOfferedIncompatibleQos:
      counts(offIncompat);
      o.Set("policy", PolicyName(offIncompat.last_policy_id));
      o.Set("policyId", offIncompat.last_policy_id);
      break;
    case kRequestedIncompatibleQos:
      counts(reqIncompat);
      o.Set("policy", PolicyName(reqIncompat.last_policy_id));
      o.Set("policyId", reqIncompat.last_policy_id);
      break;
    case kSampleLost:
      counts(sampleLost);
      break;
    case kSampleRejected:
      counts(sampleRejected);
      o.Set("lastReason", RejectReason(sampleRejected.last_reason));
      o.Set("lastInstanceHandle", Handle(env, sampleRejected.last_instance_handle));
      break;
    default:
      throw Napi::RangeError::New(env, "unknown status bit");
  }
  return o;
}

}  // namespace ddsjs
