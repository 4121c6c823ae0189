// Runs every shared vector (vectors/*.json) through the generated Kotlin bindings on the JVM,
// plus a few direct calls. Usage: java ... VectorsTestKt <vectors dir>
import java.io.File
import uniffi.rdv_mobile.*

// --- a minimal JSON reader/writer (no JSON library ships with kotlinc) ---------------------
class Json(private val s: String) {
    private var i = 0
    private fun ws() { while (i < s.length && s[i].isWhitespace()) i++ }
    fun value(): Any? {
        ws()
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { i += 4; true }
            'f' -> { i += 5; false }
            'n' -> { i += 4; null }
            else -> { val st = i; while (i < s.length && (s[i].isDigit() || s[i] in "-+.eE")) i++
                s.substring(st, i).toLong() }
        }
    }
    private fun obj(): Map<String, Any?> {
        val m = LinkedHashMap<String, Any?>(); i++; ws()
        if (s[i] == '}') { i++; return m }
        do { ws(); val k = str(); ws(); i++; m[k] = value(); ws() } while (s[i++] == ',')
        return m
    }
    private fun arr(): List<Any?> {
        val l = ArrayList<Any?>(); i++; ws()
        if (s[i] == ']') { i++; return l }
        do { l.add(value()); ws() } while (s[i++] == ',')
        return l
    }
    private fun str(): String {
        val b = StringBuilder(); i++
        while (s[i] != '"') {
            if (s[i] == '\\') { i++; when (s[i]) { 'n' -> b.append('\n'); 't' -> b.append('\t')
                'u' -> { b.append(s.substring(i + 1, i + 5).toInt(16).toChar()); i += 4 }
                else -> b.append(s[i]) } } else b.append(s[i])
            i++
        }
        i++; return b.toString()
    }
}

fun write(v: Any?): String = when (v) {
    null -> "null"
    is String -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
    is Map<*, *> -> v.entries.joinToString(",", "{", "}") { write(it.key) + ":" + write(it.value) }
    is List<*> -> v.joinToString(",", "[", "]") { write(it) }
    else -> v.toString()
}

@Suppress("UNCHECKED_CAST") fun Any?.obj() = this as Map<String, Any?>
@Suppress("UNCHECKED_CAST") fun Any?.arr() = this as List<Any?>
fun Any?.str() = this as String
fun Any?.long() = (this as Long)

// --- vectors -------------------------------------------------------------------------------
fun iv(v: Any?) = TimeInterval(v.obj()["start"].str(), v.obj()["end"].str())
fun query(v: Any?) = v.obj().let { SlotQuery(it["from"].str(), it["to"].str(), it["now"].str(), it["limit"].long().toUInt()) }
fun ivOut(i: TimeInterval) = linkedMapOf("start" to i.start, "end" to i.end)

fun call(fn: String, i: Map<String, Any?>): Any? {
    val snap = { write(i["snapshot"]) }
    return when (fn) {
        "compute_slots" -> computeSlots(snap(), query(i["query"])).let { r ->
            linkedMapOf("slots" to r.slots.map { linkedMapOf("resource_id" to it.resourceId, "start" to it.start,
                "end" to it.end, "seats_left" to it.seatsLeft.toLong()) }, "truncated" to r.truncated) }
        "explain_candidates" -> explainCandidates(snap(), query(i["query"])).map {
            linkedMapOf("resource_id" to it.resourceId, "start" to it.start, "end" to it.end,
                "seats_left" to it.seatsLeft?.toLong(), "code" to it.code) }
        "check_slot" -> linkedMapOf("seats_left" to checkSlot(snap(), i["resource_id"].str(), i["start"].str(), i["now"].str()).toLong())
        "validate_booking" -> {
            val r = i["request"].obj()
            val v = validateBooking(write(i["business"]), write(i["service"]), snap(), i["client_id"].str(),
                i["client_busy"].arr().map { iv(it) },
                BookingRequest(r["service_id"].str(), r["resource_id"] as String?, r["start"].str()), i["now"].str())
            linkedMapOf("client_id" to v.clientId, "service_id" to v.serviceId, "resource_id" to v.resourceId,
                "interval" to ivOut(v.interval), "seats_left" to v.seatsLeft.toLong(),
                "price" to linkedMapOf("amount_minor" to v.price.amountMinor, "currency" to v.price.currency),
                "buffer_before_minutes" to v.bufferBeforeMinutes.toLong(), "buffer_after_minutes" to v.bufferAfterMinutes.toLong())
        }
        "find_overlaps" -> linkedMapOf("indices" to findOverlaps(i["intervals"].arr().map { iv(it) }, iv(i["query"])).map { it.toLong() })
        "find_overlapping_pair" -> linkedMapOf("pair" to findOverlappingPair(i["intervals"].arr().map { iv(it) })?.map { it.toLong() })
        "expand_recurrence" -> expandRecurrence(RecurrenceInput(i["rule"].str(), i["dtstart"].str(), i["time_zone"].str(),
            i["exdates"].arr().map { it.str() }, iv(i["window"]), i["limit"].long().toUInt())).let {
            linkedMapOf("occurrences" to it.occurrences, "truncated" to it.truncated) }
        else -> error("unknown function $fn")
    }
}

fun outcome(v: Map<String, Any?>): Any? = try {
    linkedMapOf("ok" to call(v["function"].str(), v["input"].obj()))
} catch (e: RdvException.Failure) {
    check(e.detail.isNotEmpty())
    val err = linkedMapOf<String, Any?>("code" to e.code)
    val expectedError = v["expected"].obj()["error"] as Map<String, Any?>?
    if (expectedError?.containsKey("fields") == true) err["fields"] = e.fields.map { it.field }
    linkedMapOf("error" to err)
}

fun main(args: Array<String>) {
    val files = File(args[0]).listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
    check(files.size >= 40) { "only ${files.size} vectors" }
    var failed = 0
    for (f in files) {
        val v = Json(f.readText()).value().obj()
        val got = write(outcome(v))
        val expected = write(v["expected"])
        if (got != expected) { failed++; println("FAIL ${v["name"]}\n  expected $expected\n  got      $got") }
    }
    // Direct calls: a typed exception with the stable code and the core's message.
    try {
        checkSlot("{\"version\":9}", "00000000-0000-0000-0000-0000000000a1", "2026-06-01T07:00:00Z", "2026-06-01T00:00:00Z")
        error("expected UNSUPPORTED_SNAPSHOT_VERSION")
    } catch (e: RdvException) {
        val failure = e as RdvException.Failure
        check(failure.code == "UNSUPPORTED_SNAPSHOT_VERSION") { failure.code }
        println("kotlin: caught ${failure.code}: ${failure.detail}")
    }
    check(snapshotVersion() == 1u)
    println("kotlin: ${files.size - failed}/${files.size} vectors passed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
