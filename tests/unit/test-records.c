/* test-records.c - record decoding, argument specs and demangling. */
#include "analysis/ingest/demangle.h"
#include "analysis/ingest/record.h"
#include "tests/unit/tap.h"

#include <stdint.h>

static void encode(uint8_t buf[16], uint64_t time, unsigned type, unsigned more, unsigned magic,
		   unsigned depth, uint64_t addr)
{
	uint64_t w = (uint64_t)type | (uint64_t)more << 2 | (uint64_t)magic << 3 |
		     (uint64_t)depth << 6 | addr << 16;
	memcpy(buf, &time, 8);
	memcpy(buf + 8, &w, 8);
}

TEST(decode_entry)
{
	uint8_t b[16];
	struct asp_raw_record r;
	encode(b, 123456789012345ULL, 0, 0, 5, 7, 0x55d0c0ffee10ULL);
	asp_decode_record(b, &r);
	CHECK_U64(r.time, 123456789012345ULL);
	CHECK_U64(r.type, ASP_REC_ENTRY);
	CHECK_U64(r.more, 0);
	CHECK_U64(r.magic, 5);
	CHECK_U64(r.depth, 7);
	CHECK_U64(r.addr, 0x55d0c0ffee10ULL);
}

TEST(decode_exit_more_max_depth)
{
	uint8_t b[16];
	struct asp_raw_record r;
	encode(b, 1, 1, 1, 5, 1023, 0xffffffffffffULL);
	asp_decode_record(b, &r);
	CHECK_U64(r.type, ASP_REC_EXIT);
	CHECK_U64(r.more, 1);
	CHECK_U64(r.depth, 1023);
	CHECK_U64(r.addr, 0xffffffffffffULL);
}

TEST(decode_lost_and_event)
{
	uint8_t b[16];
	struct asp_raw_record r;
	encode(b, 0, 2, 0, 5, 0, 42);
	asp_decode_record(b, &r);
	CHECK_U64(r.type, ASP_REC_LOST);
	CHECK_U64(r.addr, 42);
	encode(b, 99, 3, 1, 5, 2, 100001);
	asp_decode_record(b, &r);
	CHECK_U64(r.type, ASP_REC_EVENT);
	CHECK_U64(r.more, 1);
	CHECK_U64(r.addr, 100001);
}

TEST(decode_bad_magic_is_visible)
{
	uint8_t b[16];
	struct asp_raw_record r;
	encode(b, 5, 0, 0, 3, 0, 1);
	asp_decode_record(b, &r);
	CHECK(r.magic != 5);
}

TEST(argspec_parse)
{
	struct asp_fn_args fa;
	CHECK(asp_parse_arg_specs("arg1,arg2/s,arg3/i32,fparg1,retval/x64", &fa) == 0);
	CHECK_U64(fa.nargs, 4);
	CHECK_U64(fa.nrets, 1);
	CHECK_U64(fa.args[0].idx, 1);
	CHECK_U64(fa.args[0].size, 8);
	CHECK_U64(fa.args[1].fmt, ASP_ARG_STR);
	CHECK_U64(fa.args[2].fmt, ASP_ARG_SINT);
	CHECK_U64(fa.args[2].size, 4);
	CHECK_U64(fa.args[3].fmt, ASP_ARG_FLOAT);
	CHECK_U64(fa.rets[0].fmt, ASP_ARG_HEX);
	CHECK_U64(fa.rets[0].size, 8);
	asp_fn_args_free(&fa);
	CHECK(asp_parse_arg_specs("arg1/c,arg2/u16,arg3%rdi", &fa) == 0);
	CHECK_U64(fa.args[0].size, 1);
	CHECK_U64(fa.args[1].size, 2);
	CHECK_U64(fa.args[2].size, 8);
	asp_fn_args_free(&fa);
}

TEST(argspec_rejects_garbage)
{
	struct asp_fn_args fa;
	CHECK(asp_parse_arg_specs("argx", &fa) < 0);
	CHECK(asp_parse_arg_specs("arg1/z", &fa) < 0);
	CHECK(asp_parse_arg_specs("arg1/i7", &fa) < 0);
	CHECK(asp_parse_arg_specs("arg0", &fa) < 0);
}

static void check_demangle(const char *mangled, const char *want)
{
	char *d = asp_demangle(mangled);
	CHECK_STR(d, want);
	free(d);
}

/* symbols as they appear in the fixtures' .sym files (tokio_mt, tokio_mt_legacy) */
TEST(demangle_rust_v0)
{
	check_demangle("_RNCNvCs2oajtNBb10B_8tokio_mt4main0B3_", "tokio_mt::main::{closure#0}");
	check_demangle("_RNvMs0_NtNtNtCsiNv62n9Yd9T_5tokio7runtime4task7harnessINtB5_7HarnessINtNtCsgEmfK2I1SDS_4core3pin3PinINtNtCslNYArtu3iFV_5alloc5boxed3BoxNCNvCs2oajtNBb10B_8tokio_mt11blocking_io0EEINtNtB1F_4sync3ArcNtNtNtB9_9scheduler14current_thread6HandleEE4pollB2d_",
		       "<tokio::runtime::task::harness::Harness<core::pin::Pin<alloc::boxed::Box<tokio_mt::blocking_io::{closure#0}>>, alloc::sync::Arc<tokio::runtime::scheduler::current_thread::Handle>>>::poll");
}

/* a crate of an empty name: libiberty hands the callback (NULL, 0), which
 * memcpy may not take (found by fuzz-sym under UBSan), then gives up: the
 * name stays as it is */
TEST(demangle_rust_empty_identifier)
{
	check_demangle("_RNvC0fE", "_RNvC0fE");
}

TEST(demangle_rust_legacy_drops_hash)
{
	check_demangle("_ZN8tokio_mt11blocking_io28_$u7b$$u7b$closure$u7d$$u7d$17hca9e531ba31cf37eE",
		       "tokio_mt::blocking_io::{{closure}}");
	check_demangle("_ZN4core3ptr13drop_in_place17h1a2b3c4d5e6f7a8bE", "core::ptr::drop_in_place");
}

TEST(demangle_cxx_and_c)
{
	check_demangle("_ZN3foo3barEv", "foo::bar()");
	check_demangle("main", "main");
	check_demangle("_R", "_R"); /* invalid: unchanged */
	check_demangle("", "");
}

/* base-62 backref number of v0 (0 is "_", n is base62(n - 1) "_") */
static void b62(char *out, size_t pos)
{
	static const char d[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char tmp[16];
	size_t k = sizeof(tmp);
	tmp[--k] = '\0';
	tmp[--k] = '_';
	if (pos) {
		pos--;
		do
			tmp[--k] = d[pos % 62];
		while (pos /= 62);
	}
	strcat(out, tmp + k);
}

/* a v0 name of 30 tuple levels, each two backrefs to the level below: 2^30
 * times its leaf spelled out. Kept mangled, at once */
TEST(demangle_bomb)
{
	char s[1024] = "INvC1a1f";
	size_t pos = strlen(s);
	strcat(s, "h");
	for (int k = 0; k < 30; k++) {
		size_t p = strlen(s);
		strcat(s, "TB");
		b62(s, pos);
		strcat(s, "B");
		b62(s, pos);
		strcat(s, "E");
		pos = p;
	}
	char name[1100] = "_R";
	strcat(name, s);
	strcat(name, "E");
	check_demangle(name, name);
	/* a few levels demangle as usual */
	check_demangle("_RINvC1a1fThhEE", "a::f::<(u8, u8)>");
}

int main(void)
{
	return tap_run((struct tap_case[]){
		CASE(decode_entry),
		CASE(decode_exit_more_max_depth),
		CASE(decode_lost_and_event),
		CASE(decode_bad_magic_is_visible),
		CASE(argspec_parse),
		CASE(argspec_rejects_garbage),
		CASE(demangle_rust_v0),
		CASE(demangle_rust_empty_identifier),
		CASE(demangle_rust_legacy_drops_hash),
		CASE(demangle_cxx_and_c),
		CASE(demangle_bomb),
		{ 0 },
	});
}
