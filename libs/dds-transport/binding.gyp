{
  "variables": {
    "sanitize%": 0
  },
  "targets": [
    {
      "target_name": "dds_transport",
      "sources": ["native/addon.cc", "native/carrier.cc", "native/entities.cc", "native/errors.cc", "native/listener.cc", "native/qos.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags CycloneDDS)"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs CycloneDDS)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "conditions": [
        [
          "sanitize==1",
          {
            "cflags_cc": ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"],
            "ldflags": ["-fsanitize=address,undefined"]
          }
        ]
      ]
    }
  ]
}
