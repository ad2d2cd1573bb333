# Empty dependencies file for etwcap_lib.
# This may be replaced when dependencies are built.
