namespace Mesh.Agent.Tests.Discovery.Kubernetes;

/// <summary>
/// API responses in the exact wire shape of the Kubernetes API server (kind *List, metadata.resourceVersion, items with
/// the server-populated fields such as uid, creationTimestamp, managedFields and status), written from the v1 and
/// discovery.k8s.io/v1 API reference: no cluster runs in this environment, so these were not captured from a live one.
/// Fields the mesh does not read are kept so that parsing is shown to ignore them.
/// </summary>
internal static class RecordedApi
{
    public const string ServicesPath = "/api/v1/services";
    public const string SlicesPath = "/apis/discovery.k8s.io/v1/endpointslices";
    public const string PodsPath = "/api/v1/pods";

    public const string Services = """
        {"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"1001"},"items":[
          {"metadata":{"name":"backend","namespace":"demo","uid":"5f1c2a3e-0b1d-4c55-9a1e-3f0a6b7c8d90","resourceVersion":"900","creationTimestamp":"2026-11-20T10:00:00Z","labels":{"app":"backend"},
            "managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1","time":"2026-11-20T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]},
           "spec":{"ports":[{"name":"http-web","protocol":"TCP","port":80,"targetPort":8080},{"name":"grpc","protocol":"TCP","port":9090,"targetPort":"grpc-port"},{"name":"dns","protocol":"UDP","port":53,"targetPort":53}],
             "selector":{"app":"backend"},"clusterIP":"10.96.12.34","clusterIPs":["10.96.12.34"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},
           "status":{"loadBalancer":{}}},
          {"metadata":{"name":"db","namespace":"demo","uid":"7a2b3c4d-1e2f-4a5b-8c9d-0e1f2a3b4c5d","resourceVersion":"901","creationTimestamp":"2026-11-20T10:00:01Z"},
           "spec":{"ports":[{"name":"tcp-postgres","protocol":"TCP","port":5432,"targetPort":5432},{"name":"admin","protocol":"TCP","appProtocol":"kubernetes.io/h2c","port":8443,"targetPort":8443}],
             "selector":{"app":"db"},"clusterIP":"10.96.55.66","clusterIPs":["10.96.55.66"],"type":"ClusterIP","sessionAffinity":"None"},
           "status":{"loadBalancer":{}}},
          {"metadata":{"name":"kubernetes","namespace":"default","uid":"0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5","resourceVersion":"200","creationTimestamp":"2026-11-01T00:00:00Z","labels":{"component":"apiserver","provider":"kubernetes"}},
           "spec":{"ports":[{"name":"https","protocol":"TCP","port":443,"targetPort":6443}],"clusterIP":"10.96.0.1","clusterIPs":["10.96.0.1"],"type":"ClusterIP","sessionAffinity":"None"},
           "status":{"loadBalancer":{}}}
        ]}
        """;

    public const string BackendSlice = """
        {"metadata":{"name":"backend-abc12","generateName":"backend-","namespace":"demo","uid":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e","resourceVersion":"950","creationTimestamp":"2026-11-20T10:00:02Z",
           "labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"backend"},
           "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"backend","uid":"5f1c2a3e-0b1d-4c55-9a1e-3f0a6b7c8d90","controller":true,"blockOwnerDeletion":true}]},
         "addressType":"IPv4",
         "endpoints":[
           {"addresses":["10.0.1.5"],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"demo","name":"backend-7d4-x1","uid":"aa11"},"nodeName":"node-a"},
           {"addresses":["10.0.2.7"],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"demo","name":"backend-7d4-x2","uid":"aa12"},"nodeName":"node-b"},
           {"addresses":["10.0.1.9"],"conditions":{"ready":false,"serving":false,"terminating":false},"targetRef":{"kind":"Pod","namespace":"demo","name":"backend-7d4-x3","uid":"aa13"},"nodeName":"node-a"}],
         "ports":[{"name":"http-web","protocol":"TCP","port":8080},{"name":"grpc","protocol":"TCP","port":9091},{"name":"dns","protocol":"UDP","port":53}]}
        """;

    public const string Slices = """
        {"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1","metadata":{"resourceVersion":"1002"},"items":[
        """ + BackendSlice + """
        ,
          {"metadata":{"name":"kubernetes","namespace":"default","uid":"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","resourceVersion":"201","creationTimestamp":"2026-11-01T00:00:00Z","labels":{"kubernetes.io/service-name":"kubernetes"}},
           "addressType":"IPv4","endpoints":[{"addresses":["172.18.0.2"],"conditions":{"ready":true}}],"ports":[{"name":"https","protocol":"TCP","port":6443}]}
        ]}
        """;

    public const string DbSlice = """
        {"metadata":{"name":"db-q9z8w","generateName":"db-","namespace":"demo","uid":"3c4d","resourceVersion":"1010","labels":{"kubernetes.io/service-name":"db"}},
         "addressType":"IPv4","endpoints":[{"addresses":["10.0.1.20"],"conditions":{"ready":true},"targetRef":{"kind":"Pod","namespace":"demo","name":"db-0","uid":"bb01"},"nodeName":"node-a"}],
         "ports":[{"name":"tcp-postgres","protocol":"TCP","port":5432},{"name":"admin","protocol":"TCP","port":8443}]}
        """;

    public const string Pods = """
        {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1003"},"items":[
          {"metadata":{"name":"backend-7d4-x1","namespace":"demo","uid":"aa11","resourceVersion":"960","labels":{"app":"backend","pod-template-hash":"7d4"}},
           "spec":{"serviceAccountName":"backend","serviceAccount":"backend","nodeName":"node-a","containers":[{"name":"app","image":"backend:1","ports":[{"name":"http-web","containerPort":8080,"protocol":"TCP"},{"name":"grpc-port","containerPort":9091,"protocol":"TCP"}]}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},
           "status":{"phase":"Running","podIP":"10.0.1.5","podIPs":[{"ip":"10.0.1.5"}],"hostIP":"172.18.0.3","conditions":[{"type":"Ready","status":"True"}]}},
          {"metadata":{"name":"backend-7d4-x2","namespace":"demo","uid":"aa12","resourceVersion":"961","labels":{"app":"backend"}},
           "spec":{"serviceAccountName":"backend","nodeName":"node-b","containers":[{"name":"app","image":"backend:1","ports":[{"name":"http-web","containerPort":8080,"protocol":"TCP"}]}]},
           "status":{"phase":"Running","podIP":"10.0.2.7"}},
          {"metadata":{"name":"backend-7d4-x3","namespace":"demo","uid":"aa13","resourceVersion":"962","labels":{"app":"backend"}},
           "spec":{"serviceAccountName":"backend","nodeName":"node-a","containers":[{"name":"app","image":"backend:1"}]},
           "status":{"phase":"Running","podIP":"10.0.1.9"}},
          {"metadata":{"name":"db-0","namespace":"demo","uid":"bb01","resourceVersion":"963","labels":{"app":"db"}},
           "spec":{"nodeName":"node-a","containers":[{"name":"postgres","image":"postgres:17","ports":[{"containerPort":5432,"protocol":"TCP"}]}]},
           "status":{"phase":"Running","podIP":"10.0.1.20"}},
          {"metadata":{"name":"kube-proxy-abcde","namespace":"kube-system","uid":"cc01","resourceVersion":"100"},
           "spec":{"serviceAccountName":"kube-proxy","nodeName":"node-a","hostNetwork":true,"containers":[{"name":"kube-proxy","image":"kube-proxy:1"}]},
           "status":{"phase":"Running","podIP":"172.18.0.3"}},
          {"metadata":{"name":"job-done","namespace":"demo","uid":"dd01","resourceVersion":"101"},
           "spec":{"serviceAccountName":"batch","nodeName":"node-a","containers":[{"name":"job","image":"job:1"}]},
           "status":{"phase":"Succeeded","podIP":"10.0.1.30"}}
        ]}
        """;
}
