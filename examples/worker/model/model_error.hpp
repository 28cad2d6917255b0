// A model file that is valid GGUF but not a model this worker can run:
// wrong architecture, missing or inconsistent hyperparameters, tensors with
// the wrong shape or an unsupported type. Its message may quote text from the
// file, so it is passed through gguf::printable(): no raw control bytes.
#pragma once

#include "gguf/printable.hpp"

#include <stdexcept>
#include <string>

namespace worker::model {

class ModelError : public std::runtime_error {
public:
  explicit ModelError(const std::string &message)
      : std::runtime_error(gguf::printable(message)) {}
};

} // namespace worker::model
