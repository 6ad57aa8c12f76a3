using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Agent.Tests.Discovery;

/// <summary>
/// A tiny authoritative DNS server for tests: UDP on 127.0.0.1, a random port, answering A, AAAA and SRV questions
/// from records the test sets (with the TTLs it chooses), NXDOMAIN for names it has none for, and counting the queries
/// per name and type. RFC 1035 wire format, no compression except the answer's pointer to the question.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    public const ushort TypeA = 1;
    public const ushort TypeAaaa = 28;
    public const ushort TypeSrv = 33;

    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Name, ushort Type), DnsRecord[]> _records = new();
    private readonly ConcurrentDictionary<(string Name, ushort Type), int> _queries = new();
    private readonly Task _serving;

    public TestDnsServer()
    {
        _serving = ServeAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    /// <summary>One resource record: an address (A/AAAA), or an SRV target with port, weight and priority.</summary>
    public sealed record DnsRecord(uint Ttl, IPAddress? Address = null, string? Target = null, ushort Port = 0, ushort Weight = 0, ushort Priority = 0, DnsRecord[]? Glue = null);

    public void Set(string name, ushort type, params DnsRecord[] records) => _records[(name.ToLowerInvariant(), type)] = records;

    /// <summary>The name now has no records of any type: queries get NXDOMAIN.</summary>
    public void Remove(string name)
    {
        foreach (var key in _records.Keys.Where(k => k.Name == name.ToLowerInvariant()))
        {
            _records.TryRemove(key, out _);
        }
    }

    public int Queries(string name, ushort type) => _queries.GetValueOrDefault((name.ToLowerInvariant(), type));

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var request = await _udp.ReceiveAsync(_stop.Token);
                if (Answer(request.Buffer) is { } response)
                {
                    await _udp.SendAsync(response, request.RemoteEndPoint, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // stopped
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
        {
            return null;
        }
        var (name, end) = ReadName(query, 12);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(end));
        var questionEnd = end + 4;
        _queries.AddOrUpdate((name, type), 1, (_, n) => n + 1);

        var found = _records.TryGetValue((name, type), out var records);
        var known = found || _records.Keys.Any(k => k.Name == name);
        records ??= [];
        var glue = records.SelectMany(r => (r.Glue ?? []).Select(g => (r.Target!, g))).ToList();

        var response = new List<byte>(512);
        response.AddRange(query.AsSpan(0, 2).ToArray()); // id
        var rcode = known ? 0 : 3; // NXDOMAIN
        response.AddRange([(byte)(0x84 | (query[2] & 0x01)), (byte)(0x80 | rcode)]); // QR, AA, RD copied; RA
        AddUInt16(response, 1);
        AddUInt16(response, (ushort)records.Length);
        AddUInt16(response, 0);
        AddUInt16(response, (ushort)glue.Count);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var record in records)
        {
            response.AddRange([0xC0, 12]); // pointer to the question's name
            AddRecord(response, type, record);
        }
        foreach (var (target, record) in glue)
        {
            AddName(response, target);
            AddRecord(response, record.Address!.AddressFamily == AddressFamily.InterNetwork ? TypeA : TypeAaaa, record);
        }
        return [.. response];
    }

    private static void AddRecord(List<byte> response, ushort type, DnsRecord record)
    {
        AddUInt16(response, type);
        AddUInt16(response, 1); // IN
        AddUInt16(response, (ushort)(record.Ttl >> 16));
        AddUInt16(response, (ushort)record.Ttl);
        var data = new List<byte>();
        if (type == TypeSrv)
        {
            AddUInt16(data, record.Priority);
            AddUInt16(data, record.Weight);
            AddUInt16(data, record.Port);
            AddName(data, record.Target!);
        }
        else
        {
            data.AddRange(record.Address!.GetAddressBytes());
        }
        AddUInt16(response, (ushort)data.Count);
        response.AddRange(data);
    }

    private static (string Name, int End) ReadName(byte[] message, int offset)
    {
        var labels = new List<string>();
        while (message[offset] != 0)
        {
            var length = message[offset];
            labels.Add(Encoding.ASCII.GetString(message, offset + 1, length));
            offset += length + 1;
        }
        return (string.Join('.', labels).ToLowerInvariant(), offset + 1);
    }

    private static void AddName(List<byte> to, string name)
    {
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            to.Add((byte)label.Length);
            to.AddRange(Encoding.ASCII.GetBytes(label));
        }
        to.Add(0);
    }

    private static void AddUInt16(List<byte> to, ushort value)
    {
        to.Add((byte)(value >> 8));
        to.Add((byte)value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _serving;
        _stop.Dispose();
    }
}
