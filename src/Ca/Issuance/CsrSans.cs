using System.Formats.Asn1;
using System.Net;
using Mesh.Identity;

namespace Mesh.Ca;

/// <summary>
/// The CSR's subjectAltName may only repeat the identity the caller asked for. The CA never copies
/// SANs into the leaf, but a request that names something else is either a bug in the caller or an
/// attempt at a name it was not granted; refusing it makes both visible in the audit log.
/// </summary>
internal static class CsrSans
{
    internal const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>Null when <paramref name="sanValue"/> (GeneralNames DER) names exactly <paramref name="expected"/>; else the reason.</summary>
    internal static string? Check(ReadOnlyMemory<byte> sanValue, SpiffeId expected)
    {
        var names = new List<string>();
        try
        {
            // RFC 5280 4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
            var reader = new AsnReader(sanValue, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (sequence.HasData)
            {
                names.Add(Describe(sequence));
            }
        }
        catch (AsnContentException ex)
        {
            return $"csr is malformed: subjectAltName: {ex.Message}";
        }

        var wanted = "URI:" + expected;
        var others = names.Where(n => n != wanted).ToList();
        if (others.Count > 0)
        {
            return $"csr subjectAltName names {string.Join(", ", others)}; a CSR may name only the requested identity {expected}";
        }

        return names.Count switch
        {
            0 => "csr subjectAltName extension is empty; leave it out or name the requested identity",
            1 => null,
            _ => $"csr subjectAltName names {expected} {names.Count} times; name it once",
        };
    }

    private static string Describe(AsnReader names)
    {
        var tag = names.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific)
        {
            throw new AsnContentException($"unexpected tag {tag} in GeneralNames");
        }

        return tag.TagValue switch
        {
            1 => "email:" + names.ReadCharacterString(UniversalTagNumber.IA5String, tag),
            2 => "DNS:" + names.ReadCharacterString(UniversalTagNumber.IA5String, tag),
            6 => "URI:" + names.ReadCharacterString(UniversalTagNumber.IA5String, tag),
            7 => "IP:" + Ip(names.ReadOctetString(tag)),
            0 => Skip(names, "otherName"),
            3 => Skip(names, "x400Address"),
            4 => Skip(names, "directoryName"),
            5 => Skip(names, "ediPartyName"),
            8 => Skip(names, "registeredID"),
            _ => throw new AsnContentException($"unknown GeneralName [{tag.TagValue}]"),
        };
    }

    private static string Ip(byte[] address) =>
        address.Length is 4 or 16 ? new IPAddress(address).ToString() : Convert.ToHexString(address);

    private static string Skip(AsnReader names, string kind)
    {
        names.ReadEncodedValue();
        return kind;
    }
}
