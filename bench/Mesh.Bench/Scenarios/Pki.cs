using Mesh.Bench.Processes;

namespace Mesh.Bench.Scenarios;

/// <summary>
/// The peers' certificates: an ECDSA P-256 CA, a server certificate (DNS:server.bench, serverAuth) and a client
/// certificate (DNS:client.bench, clientAuth), made with the openssl command line once per run. HAProxy wants
/// certificate and key in one file, hence the .pem bundles. Mesh.Security issues its own from its CA.
/// </summary>
internal sealed record Pki(string Dir)
{
    public const string ServerName = "server.bench";
    public const string ClientName = "client.bench";

    public string CaCert => Path.Combine(Dir, "ca.crt");
    public string ServerCert => Path.Combine(Dir, "server.crt");
    public string ServerKey => Path.Combine(Dir, "server.key");
    public string ServerBundle => Path.Combine(Dir, "server.pem");
    public string ClientCert => Path.Combine(Dir, "client.crt");
    public string ClientKey => Path.Combine(Dir, "client.key");
    public string ClientBundle => Path.Combine(Dir, "client.pem");

    public static async Task<Pki> CreateAsync(string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var pki = new Pki(dir);
        await OpenSsl(dir, ct, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key").ConfigureAwait(false);
        await OpenSsl(dir, ct, "req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "7", "-subj", "/CN=mesh-bench-ca",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt").ConfigureAwait(false);
        await Leaf(dir, "server", ServerName, "serverAuth", ct).ConfigureAwait(false);
        await Leaf(dir, "client", ClientName, "clientAuth", ct).ConfigureAwait(false);
        foreach (var name in new[] { "server", "client" })
        {
            await File.WriteAllTextAsync(Path.Combine(dir, $"{name}.pem"),
                await File.ReadAllTextAsync(Path.Combine(dir, $"{name}.crt"), ct).ConfigureAwait(false)
                + await File.ReadAllTextAsync(Path.Combine(dir, $"{name}.key"), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        return pki;
    }

    private static async Task Leaf(string dir, string name, string dnsName, string usage, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(dir, $"{name}.ext"), $"""
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = {usage}
            subjectAltName = DNS:{dnsName}
            """, ct).ConfigureAwait(false);
        await OpenSsl(dir, ct, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", $"{name}.key").ConfigureAwait(false);
        await OpenSsl(dir, ct, "req", "-new", "-key", $"{name}.key", "-subj", $"/CN={dnsName}", "-out", $"{name}.csr").ConfigureAwait(false);
        await OpenSsl(dir, ct, "x509", "-req", "-in", $"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "7", "-sha256", "-extfile", $"{name}.ext", "-out", $"{name}.crt").ConfigureAwait(false);
        await OpenSsl(dir, ct, "verify", "-CAfile", "ca.crt", "-purpose", usage == "serverAuth" ? "sslserver" : "sslclient", $"{name}.crt").ConfigureAwait(false);
    }

    private static Task<string> OpenSsl(string dir, CancellationToken ct, params string[] args) => Tool.RunCheckedAsync("openssl", args, ct, dir);
}
