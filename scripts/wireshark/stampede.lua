-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright (c) 2026 The stampede authors
--
-- Wireshark / tshark dissector for the stampede header, version 1 (lib/encap/README.md):
-- datagrams of records over UDP port 48879 (Decode As... for another port) or EtherType 0x88B5.
-- Each record: the 40-byte header, TLVs (hop, description, fragment, ack/nack, auth; unknown
-- ones shown raw), then the original frame, handed to the Ethernet dissector when it is whole.
-- An authentication record (flags CTRL|AUTH, last in its datagram) shows its key id and MAC
-- (HMAC-SHA-256/128, lib/encap/sph_auth.h); the MAC is shown, not checked (no key here).
--
--   tshark -X lua_script:scripts/wireshark/stampede.lua -r capture.pcap -V
--   fields: stampede.node stampede.stream stampede.seq stampede.ts stampede.hop.node ...

local p = Proto("stampede", "stampede header")

local ts_src = { [0] = "none", [1] = "sw", [2] = "hw", [3] = "pcap", [4] = "trailer" }
local tlv_names = { [0] = "pad", [1] = "hop", [2] = "description", [3] = "fragment",
	[4] = "ack", [5] = "nack", [6] = "auth" }

local f = {
	magic = ProtoField.uint16("stampede.magic", "Magic", base.HEX),
	version = ProtoField.uint8("stampede.version", "Version"),
	flags = ProtoField.uint8("stampede.flags", "Flags", base.HEX),
	flag_frag = ProtoField.bool("stampede.flags.frag", "Fragment", 8, nil, 0x01),
	flag_ctrl = ProtoField.bool("stampede.flags.ctrl", "Control", 8, nil, 0x02),
	flag_trunc = ProtoField.bool("stampede.flags.trunc", "Truncated", 8, nil, 0x04),
	flag_rel = ProtoField.bool("stampede.flags.reliable", "Reliable", 8, nil, 0x08),
	flag_auth = ProtoField.bool("stampede.flags.auth", "Authentication", 8, nil, 0x10),
	hdr_len = ProtoField.uint16("stampede.hdr_len", "Header length"),
	ts_src = ProtoField.uint8("stampede.ts_src", "Timestamp source", base.DEC, ts_src),
	node = ProtoField.uint32("stampede.node", "Source node"),
	stream = ProtoField.uint16("stampede.stream", "Stream"),
	payload_len = ProtoField.uint16("stampede.payload_len", "Payload length"),
	seq = ProtoField.uint64("stampede.seq", "Sequence number"),
	ts = ProtoField.uint64("stampede.ts", "Capture timestamp (ns since 1970 UTC)"),
	time = ProtoField.absolute_time("stampede.time", "Capture time", base.UTC),
	orig_len = ProtoField.uint32("stampede.orig_len", "Original length"),
	cap_len = ProtoField.uint32("stampede.cap_len", "Captured length"),
	tlv_type = ProtoField.uint8("stampede.tlv.type", "TLV type", base.DEC, tlv_names),
	tlv_len = ProtoField.uint8("stampede.tlv.len", "TLV length"),
	tlv_value = ProtoField.bytes("stampede.tlv.value", "TLV value"),
	hop_node = ProtoField.uint32("stampede.hop.node", "Hop node"),
	hop_rx = ProtoField.uint64("stampede.hop.rx_ns", "Hop receive time (ns)"),
	hop_seq = ProtoField.uint64("stampede.hop.seq", "Hop sequence number"),
	desc = ProtoField.string("stampede.desc", "Description"),
	frag_off = ProtoField.uint32("stampede.frag.offset", "Fragment offset"),
	frag_idx = ProtoField.uint16("stampede.frag.index", "Fragment index"),
	frag_cnt = ProtoField.uint16("stampede.frag.count", "Fragment count"),
	payload = ProtoField.bytes("stampede.payload", "Fragment payload"),
	auth_key = ProtoField.uint16("stampede.auth.key_id", "Key id"),
	auth_mac = ProtoField.bytes("stampede.auth.mac", "MAC (HMAC-SHA-256/128)"),
}
p.fields = f

local e_malformed = ProtoExpert.new("stampede.malformed", "Malformed stampede record",
	expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { e_malformed }

local eth = Dissector.get("eth_withoutfcs")

local function record(tvb, off, pinfo, tree)
	local left = tvb:len() - off
	if left < 40 then
		if tvb(off):bytes():tohex():match("^0*$") then return left end
		tree:add_proto_expert_info(e_malformed, "truncated header")
		return -1
	end
	local hl = tvb(off + 4, 2):uint()
	local pl = tvb(off + 14, 2):uint()
	local t = tree:add(p, tvb(off, math.min(left, hl + pl)), "stampede record")
	t:add(f.magic, tvb(off, 2))
	if tvb(off, 2):uint() ~= 0x5350 then
		t:add_proto_expert_info(e_malformed, "bad magic")
		return -1
	end
	t:add(f.version, tvb(off + 2, 1))
	if tvb(off + 2, 1):uint() ~= 1 then
		t:add_proto_expert_info(e_malformed, "unknown version")
		return -1
	end
	local fl = t:add(f.flags, tvb(off + 3, 1))
	fl:add(f.flag_frag, tvb(off + 3, 1))
	fl:add(f.flag_ctrl, tvb(off + 3, 1))
	fl:add(f.flag_trunc, tvb(off + 3, 1))
	fl:add(f.flag_rel, tvb(off + 3, 1))
	fl:add(f.flag_auth, tvb(off + 3, 1))
	t:add(f.hdr_len, tvb(off + 4, 2))
	t:add(f.ts_src, tvb(off + 6, 1))
	t:add(f.node, tvb(off + 8, 4))
	t:add(f.stream, tvb(off + 12, 2))
	t:add(f.payload_len, tvb(off + 14, 2))
	t:add(f.seq, tvb(off + 16, 8))
	t:add(f.ts, tvb(off + 24, 8))
	local ns = tvb(off + 24, 8):uint64()
	t:add(f.time, tvb(off + 24, 8),
		NSTime.new((ns / 1000000000):tonumber(), (ns % 1000000000):tonumber()))
	t:add(f.orig_len, tvb(off + 32, 4))
	t:add(f.cap_len, tvb(off + 36, 4))
	if hl < 40 or hl + pl > left then
		t:add_proto_expert_info(e_malformed, "lengths past the datagram")
		return -1
	end
	local o = off + 40
	local frag = false
	while o < off + hl do
		if off + hl - o < 2 then
			t:add_proto_expert_info(e_malformed, "TLV cut short")
			return -1
		end
		local ty, ln = tvb(o, 1):uint(), tvb(o + 1, 1):uint()
		if o + 2 + ln > off + hl then
			t:add_proto_expert_info(e_malformed, "TLV past the header")
			return -1
		end
		local tt = t:add(p, tvb(o, 2 + ln), "TLV " .. (tlv_names[ty] or "unknown"))
		tt:add(f.tlv_type, tvb(o, 1))
		tt:add(f.tlv_len, tvb(o + 1, 1))
		if ty == 1 and ln == 20 then
			tt:add(f.hop_node, tvb(o + 2, 4))
			tt:add(f.hop_rx, tvb(o + 6, 8))
			tt:add(f.hop_seq, tvb(o + 14, 8))
		elseif ty == 2 and ln > 0 then
			tt:add(f.desc, tvb(o + 2, ln))
		elseif ty == 3 and ln == 8 then
			frag = true
			tt:add(f.frag_off, tvb(o + 2, 4))
			tt:add(f.frag_idx, tvb(o + 6, 2))
			tt:add(f.frag_cnt, tvb(o + 8, 2))
		elseif ty == 6 and ln == 18 then
			tt:add(f.auth_key, tvb(o + 2, 2))
			tt:add(f.auth_mac, tvb(o + 4, 16))
		elseif ln > 0 then
			tt:add(f.tlv_value, tvb(o + 2, ln))
		end
		o = o + 2 + ln
	end
	if pl > 0 then
		if frag then
			t:add(f.payload, tvb(off + hl, pl))
		else
			eth:call(tvb(off + hl, pl):tvb(), pinfo, tree)
		end
	end
	return hl + pl
end

function p.dissector(tvb, pinfo, tree)
	pinfo.cols.protocol = "stampede"
	local off, n = 0, 0
	while off < tvb:len() do
		local len = record(tvb, off, pinfo, tree)
		if len < 0 then break end
		off = off + len
		n = n + 1
	end
	pinfo.cols.info:prepend("stampede " .. n .. " record(s); ")
	return tvb:len()
end

DissectorTable.get("udp.port"):add(48879, p)
DissectorTable.get("ethertype"):add(0x88B5, p)
