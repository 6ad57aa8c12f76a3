using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Agent.Tests.Support;
using Mesh.Agent.WorkloadApi.Protocol;
using Mesh.Identity;

namespace Mesh.Agent.Tests.WorkloadApi;

/// <summary>The X.509-SVID profile over the agent's Unix socket, with a standard generated client.</summary>
[Collection(WorkloadApiCollection.Name)]
public sealed class X509ProfileTests(WorkloadApiFixture mesh)
{
    [Fact]
    public async Task Caller_gets_its_SVID_with_key_and_bundle_then_the_renewed_one()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            using var call = client.FetchX509SVID(new X509SVIDRequest(), WorkloadApiFixture.Call(seconds: 60));

            Assert.True(await call.ResponseStream.MoveNext());
            var first = Assert.Single(call.ResponseStream.Current.Svids);
            var firstSerial = CheckSvid(first);

            // The CA's 16 s TTL makes the agent renew about 8 s after issuance; the stream must carry the new certificate.
            string renewedSerial;
            do
            {
                Assert.True(await call.ResponseStream.MoveNext());
                renewedSerial = CheckSvid(Assert.Single(call.ResponseStream.Current.Svids));
            }
            while (renewedSerial == firstSerial);
            Assert.NotEqual(firstSerial, renewedSerial);
        }
    }

    private string CheckSvid(X509SVID svid)
    {
        Assert.Equal(WorkloadApiFixture.FrontendId.ToString(), svid.SpiffeId);
        var chain = SvidDer.Certificates(svid.X509Svid.Memory);
        var roots = SvidDer.Certificates(svid.Bundle.Memory);
        Assert.Equal(mesh.Ca.Bundle.Roots[0].RawData, Assert.Single(roots).RawData);
        var verdict = SvidValidator.VerifyPeer(chain[0], [.. chain.Skip(1)], new TrustBundle(TestCa.TrustDomain, [.. roots]), DateTimeOffset.UtcNow);
        Assert.True(verdict.Ok, verdict.Failure);
        Assert.Equal(WorkloadApiFixture.FrontendId, verdict.Id);
        // The key is the leaf's: PKCS#8 whose public half is the certificate's.
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(svid.X509SvidKey.Span, out _);
        Assert.Equal(chain[0].PublicKey.ExportSubjectPublicKeyInfo(), key.ExportSubjectPublicKeyInfo());
        return chain[0].SerialNumber;
    }

    [Fact]
    public async Task Bundles_stream_names_the_trust_domain()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            using var call = client.FetchX509Bundles(new X509BundlesRequest(), WorkloadApiFixture.Call());

            Assert.True(await call.ResponseStream.MoveNext());
            var (td, der) = Assert.Single(call.ResponseStream.Current.Bundles);
            Assert.Equal("spiffe://cluster.local", td);
            Assert.Equal(mesh.Ca.Bundle.Roots[0].RawData, Assert.Single(SvidDer.Certificates(der.Memory)).RawData);
        }
    }

    [Fact]
    public async Task Without_the_security_header_the_call_is_refused()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.Agent.WorkloadApiSocket!);
        using (channel)
        {
            using var call = client.FetchX509SVID(new X509SVIDRequest(), WorkloadApiFixture.Call(withHeader: false));

            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("security header missing from request", e.Status.Detail);
        }
    }

    [Fact]
    public async Task A_caller_that_matches_no_workload_gets_no_identity()
    {
        var (channel, client) = WorkloadApiFixture.Connect(mesh.StrangerAgent.WorkloadApiSocket!);
        using (channel)
        {
            using var call = client.FetchX509SVID(new X509SVIDRequest(), WorkloadApiFixture.Call());

            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal("no identity issued", e.Status.Detail);
            var jwt = await Assert.ThrowsAsync<RpcException>(() => client.FetchJWTSVIDAsync(new JWTSVIDRequest { Audience = { "orders" } }, WorkloadApiFixture.Call()).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, jwt.StatusCode);
        }
        Assert.True(mesh.Logs.Contains($"no workload's attest selectors match pid {Environment.ProcessId} uid {WorkloadApiFixture.MyUid}"));
    }

    [Fact]
    public void Socket_is_open_to_every_local_user()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(mesh.Agent.WorkloadApiSocket!));
    }
}
