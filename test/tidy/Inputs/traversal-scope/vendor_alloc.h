// A header the compiler takes for a system header (-isystem).
namespace vendor { inline int version() { return 1; } }
using namespace vendor;
