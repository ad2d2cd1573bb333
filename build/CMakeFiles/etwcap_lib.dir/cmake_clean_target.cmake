file(REMOVE_RECURSE
  "libetwcap.a"
)
