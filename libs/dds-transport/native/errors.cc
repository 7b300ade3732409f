#include <cmath>

#include "common.h"

namespace ddsjs {

const char* RetcodeName(dds_return_t rc) {
  switch (rc) {
    case DDS_RETCODE_OK:
      return "DDS_RETCODE_OK";
    case DDS_RETCODE_ERROR:
      return "DDS_RETCODE_ERROR";
    case DDS_RETCODE_UNSUPPORTED:
      return "DDS_RETCODE_UNSUPPORTED";
    case DDS_RETCODE_BAD_PARAMETER:
      return "DDS_RETCODE_BAD_PARAMETER";
    case DDS_RETCODE_PRECONDITION_NOT_MET:
      return "DDS_RETCODE_PRECONDITION_NOT_MET";
    case DDS_RETCODE_OUT_OF_RESOURCES:
      return "DDS_RETCODE_OUT_OF_RESOURCES";
    case DDS_RETCODE_NOT_ENABLED:
      return "DDS_RETCODE_NOT_ENABLED";
    case DDS_RETCODE_IMMUTABLE_POLICY:
      return "DDS_RETCODE_IMMUTABLE_POLICY";
    case DDS_RETCODE_INCONSISTENT_POLICY:
      return "DDS_RETCODE_INCONSISTENT_POLICY";
    case DDS_RETCODE_ALREADY_DELETED:
      return "DDS_RETCODE_ALREADY_DELETED";
    case DDS_RETCODE_TIMEOUT:
      return "DDS_RETCODE_TIMEOUT";
    case DDS_RETCODE_NO_DATA:
      return "DDS_RETCODE_NO_DATA";
    case DDS_RETCODE_ILLEGAL_OPERATION:
      return "DDS_RETCODE_ILLEGAL_OPERATION";
    case DDS_RETCODE_NOT_ALLOWED_BY_SECURITY:
      return "DDS_RETCODE_NOT_ALLOWED_BY_SECURITY";
    default:
      return "DDS_RETCODE_UNKNOWN";
  }
}

const char* PolicyName(uint32_t id) {
  switch (id) {
    case DDS_USERDATA_QOS_POLICY_ID:
      return "user-data";
    case DDS_DURABILITY_QOS_POLICY_ID:
      return "durability";
    case DDS_PRESENTATION_QOS_POLICY_ID:
      return "presentation";
    case DDS_DEADLINE_QOS_POLICY_ID:
      return "deadline";
    case DDS_LATENCYBUDGET_QOS_POLICY_ID:
      return "latency-budget";
    case DDS_OWNERSHIP_QOS_POLICY_ID:
      return "ownership";
    case DDS_OWNERSHIPSTRENGTH_QOS_POLICY_ID:
      return "ownership-strength";
    case DDS_LIVELINESS_QOS_POLICY_ID:
      return "liveliness";
    case DDS_TIMEBASEDFILTER_QOS_POLICY_ID:
      return "time-based-filter";
    case DDS_PARTITION_QOS_POLICY_ID:
      return "partition";
    case DDS_RELIABILITY_QOS_POLICY_ID:
      return "reliability";
    case DDS_DESTINATIONORDER_QOS_POLICY_ID:
      return "destination-order";
    case DDS_HISTORY_QOS_POLICY_ID:
      return "history";
    case DDS_RESOURCELIMITS_QOS_POLICY_ID:
      return "resource-limits";
    case DDS_ENTITYFACTORY_QOS_POLICY_ID:
      return "entity-factory";
    case DDS_WRITERDATALIFECYCLE_QOS_POLICY_ID:
      return "writer-data-lifecycle";
    case DDS_READERDATALIFECYCLE_QOS_POLICY_ID:
      return "reader-data-lifecycle";
    case DDS_TOPICDATA_QOS_POLICY_ID:
      return "topic-data";
    case DDS_GROUPDATA_QOS_POLICY_ID:
      return "group-data";
    case DDS_TRANSPORTPRIORITY_QOS_POLICY_ID:
      return "transport-priority";
    case DDS_LIFESPAN_QOS_POLICY_ID:
      return "lifespan";
    case DDS_DURABILITYSERVICE_QOS_POLICY_ID:
      return "durability-service";
    case DDS_PROPERTY_QOS_POLICY_ID:
      return "property";
    case DDS_TYPE_CONSISTENCY_ENFORCEMENT_QOS_POLICY_ID:
      return "type-consistency";
    case DDS_DATA_REPRESENTATION_QOS_POLICY_ID:
      return "data-representation";
    default:
      return "unknown";
  }
}

void ThrowDds(Napi::Env env, dds_return_t rc, const std::string& what) {
  const char* name = RetcodeName(rc);
  Napi::Error err = Napi::Error::New(env, what + ": " + name);
  err.Set("code", Napi::Number::New(env, rc));
  err.Set("codeName", Napi::String::New(env, name));
  throw err;
}

void ThrowDds(Napi::Env env, dds_return_t rc, const std::string& what, const std::string& detail) {
  const char* name = RetcodeName(rc);
  Napi::Error err = Napi::Error::New(env, what + ": " + name);
  err.Set("code", Napi::Number::New(env, rc));
  err.Set("codeName", Napi::String::New(env, name));
  err.Set("detail", Napi::String::New(env, detail));
  throw err;
}

dds_duration_t MsToDuration(double ms) {
  if (!std::isfinite(ms) || ms * 1e6 >= static_cast<double>(DDS_INFINITY)) return DDS_INFINITY;
  return static_cast<dds_duration_t>(std::llround(ms * 1e6));
}

}  // namespace ddsjs
