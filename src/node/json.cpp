// Boost.JSON, compiled here: Debian's Boost 1.81 ships its headers but not its library.
#include <boost/json/src.hpp>
