// Command etcd is etcd's own server entry point (etcdmain.Main), built from the
// go.etcd.io/etcd/server/v3 module at the version Kubernetes pins, so that the
// control plane's storage is the etcd Kubernetes is tested with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
